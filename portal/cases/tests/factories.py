"""Case test data, made through the services as a user would make it."""

from django.core.files.uploadedfile import SimpleUploadedFile

from portal.cases import workflow
from portal.cases.models import DeadlinePolicy, ServiceCategory

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"
    b"\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00"
    b"\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
ELF_BYTES = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200


def pdf_upload(name="材料.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def make_category(
    department,
    code="housing-repair",
    *,
    name="房屋维修",
    acceptance=(7, "calendar_days"),
    handling=(15, "working_days"),
    handling_extension=(30, "calendar_days"),
    form_fields=None,
    reopen_window_days=15,
):
    category = ServiceCategory.objects.create(
        code=code,
        name=name,
        topic="住房",
        department=department,
        form_fields=form_fields or [],
        materials="身份证\n房屋产权证明",
        legal_basis="《物业管理条例》",
        reopen_window_days=reopen_window_days,
    )
    if acceptance:
        DeadlinePolicy.objects.create(
            category=category,
            stage="acceptance",
            amount=acceptance[0],
            unit=acceptance[1],
            legal_basis="《信访工作条例》第二十四条",
        )
    if handling:
        DeadlinePolicy.objects.create(
            category=category,
            stage="handling",
            amount=handling[0],
            unit=handling[1],
            legal_basis="《信访工作条例》第三十五条",
            extension_max=handling_extension[0] if handling_extension else 0,
            extension_basis="《信访工作条例》第三十五条（延长不超过三十日）",
        )
    return category


def file_case(category, applicant, *, title="楼道漏水", files=(), **kwargs):
    return workflow.submit_case(
        category=category,
        submitter=kwargs.pop("submitter", applicant),
        applicant=applicant,
        title=title,
        description="三楼楼道天花板漏水，已持续一周。",
        files=files,
        **kwargs,
    )
