from django.contrib.auth import views as auth_views
from django.urls import path

from portal.accounts import second_factor_views, views
from portal.accounts.login_forms import LoginForm

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("second-factor/", second_factor_views.verify, name="otp_verify"),
    path("second-factor/setup/", second_factor_views.setup, name="otp_setup"),
    path("signup/", views.signup, name="signup"),
    path("real-name/", views.real_name, name="real_name"),
    # Own template names: registration/password_change_*.html would also
    # replace the admin's password pages.
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/password_change_done.html"
        ),
        name="password_change_done",
    ),
]
