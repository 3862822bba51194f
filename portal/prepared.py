"""A cursor for the site's constant queries, prepared on PostgreSQL, and the
reads that every page makes (one object by id, rows of a fixed shape),
compiled once."""

import weakref

from django.db import connections, router
from django.db.models.expressions import RawSQL
from django.db.models.query import get_related_populators


def prepared_cursor(connection):
    """connection.prepared_cursor() where the backend has one (the site's
    PostgreSQL backend, portal.postgresql), else an ordinary cursor
    (SQLite). Only for a query whose text is the same on every run, with
    its values as parameters, and whose best plan does not depend on them."""
    make = getattr(connection, "prepared_cursor", None)
    return make() if make is not None else connection.cursor()


# What was compiled, per connection (so per thread and database), then per
# use: ("read", model, related), ("columns", model, names), ("rows", key),
# ("around", key).
_compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _kept(connection, key, make):
    """``make()``, made once per connection and key."""
    per_connection = _compiled.setdefault(connection, {})
    made = per_connection.get(key)
    if made is None:
        made = per_connection[key] = make()
    return made


def _converted(row, converters, connection) -> list:
    """The row's values converted as the ORM's results_iter converts them."""
    row = list(row)
    for index, (functions, expression) in converters.items():
        for convert in functions:
            row[index] = convert(row[index], expression, connection)
    return row


def _select_of(compiler) -> tuple[int, dict]:
    """How many columns a compiled query selects, and their converters."""
    columns = [column for column, _s, _a in compiler.select[: compiler.col_count]]
    return compiler.col_count, compiler.get_converters(columns)


def _selected(rows, query, connection) -> list[tuple]:
    """The rows' first ``query.width`` columns (the selected ones), converted
    by ``query.converters``, as values_list gives them."""
    if not query.converters:
        return [tuple(row[: query.width]) for row in rows]
    return [
        tuple(_converted(row[: query.width], query.converters, connection))
        for row in rows
    ]


class _CompiledRead:
    """What the ORM compiles for ``model._default_manager.select_related(
    *related).filter(pk=...)``, and what its ModelIterable works out before
    reading rows: the SQL, the converters of its columns, the model's
    columns and the related objects' populators."""

    def __init__(self, connection, model, related):
        queryset = model._default_manager.using(connection.alias).order_by()
        if related:
            queryset = queryset.select_related(*related)
        compiler = queryset.filter(pk=0).query.get_compiler(connection=connection)
        self.sql, params = compiler.as_sql()
        if len(params) != 1:
            raise ValueError(f"one parameter expected: {self.sql} {params}")
        select, klass_info = compiler.select, compiler.klass_info
        self.converters = compiler.get_converters([c for c, _s, _a in select])
        fields = klass_info["select_fields"]
        self.own = slice(fields[0], fields[-1] + 1)
        self.names = [column.target.attname for column, _s, _a in select[self.own]]
        self.populators = get_related_populators(klass_info, select, connection.alias)


def object_by_pk(model, pk, related=()):
    """The object with this id, or None: what
    ``model._default_manager.select_related(*related).get(pk=pk)`` gives
    (every concrete field converted as the ORM converts it, the related
    objects cached on it), read with SQL the ORM compiled once per
    connection and prepared there (prepared_cursor). ``pk`` is converted by
    the primary key's to_python (ValidationError for a malformed one).

    Building and compiling such a queryset costs the ORM 0.5-1 ms of CPU
    a page, more than the read; a page of a logged-in user makes one or two
    of them (its user, its case)."""
    connection = connections[router.db_for_read(model)]
    read = _kept(
        connection,
        ("read", model, related),
        lambda: _CompiledRead(connection, model, related),
    )
    field = model._meta.pk
    value = field.get_db_prep_value(field.to_python(pk), connection)
    with prepared_cursor(connection) as cursor:
        cursor.execute(read.sql, [value])
        row = cursor.fetchone()
    if row is None:
        return None
    row = _converted(row, read.converters, connection)
    obj = model.from_db(connection.alias, read.names, row[read.own])
    for populator in read.populators:
        populator.populate(row, obj)
    return obj


def objects_from_sql(model, names: tuple[str, ...], sql: str, params) -> list:
    """Instances of ``model`` from the rows of ``sql``, a constant query
    (prepared_cursor) whose columns are the fields ``names``, in that order
    (the other fields deferred), each value converted as the ORM converts
    it: what ``model.objects.raw(sql, params)`` gives for those columns,
    without RawQuerySet working out its columns and converters on every
    run."""
    connection = connections[router.db_for_read(model)]

    def columns_read():
        # The fields' attribute names and their columns' converters.
        meta = model._meta
        fields = [meta.get_field(name) for name in names]
        compiler = model._default_manager.none().query.get_compiler(
            connection=connection
        )
        columns = [field.get_col(meta.db_table) for field in fields]
        return [field.attname for field in fields], compiler.get_converters(columns)

    attnames, converters = _kept(connection, ("columns", model, names), columns_read)
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        model.from_db(
            connection.alias,
            attnames,
            _converted(row, converters, connection) if converters else row,
        )
        for row in rows
    ]


# Stands for the run-time value while a query is compiled (compiled_rows).
PLACEHOLDER = -7_340_033


class _CompiledRows:
    """A values_list queryset's SQL, the places of PLACEHOLDER among its
    parameters and its columns' converters, as results_iter uses them."""

    def __init__(self, connection, queryset):
        compiler = queryset.query.get_compiler(connection=connection)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        self.slots = [i for i, value in enumerate(params) if value == PLACEHOLDER]
        if not self.slots:
            raise ValueError(f"the placeholder is not a parameter: {self.sql}")
        self.width, self.converters = _select_of(compiler)


def compiled_rows(model, key, build, value, suffix="", suffix_params=()) -> list:
    """The rows (tuples) of ``build(PLACEHOLDER)``, a values_list queryset of
    ``model`` without a slice, with ``value`` wherever it put PLACEHOLDER and
    ``suffix`` (such as ``" LIMIT %s OFFSET %s"``) after its SQL: compiled
    once per connection and ``key`` (which must name everything else the
    query depends on) and run prepared. For a page whose query has one
    shape for every user: its ORM building and compiling cost more CPU than
    the read."""
    connection = connections[router.db_for_read(model)]
    query = _kept(
        connection,
        ("rows", key),
        lambda: _CompiledRows(connection, build(PLACEHOLDER)),
    )
    params = list(query.params)
    for slot in query.slots:
        params[slot] = value
    with prepared_cursor(connection) as cursor:
        cursor.execute(query.sql + suffix, [*params, *suffix_params])
        rows = cursor.fetchall()
    return _selected(rows, query, connection)


# Stands for a subquery's SQL while the query around it is compiled
# (rows_around): a SELECT no ORM expression writes.
SUBQUERY_MARK = "SELECT -7340033 AS yiwang_subquery_mark"


class _CompiledAround:
    """A values_list queryset's SQL cut at SUBQUERY_MARK, and its columns'
    converters, as results_iter uses them."""

    def __init__(self, connection, queryset):
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        self.head, mark, self.tail = sql.partition(SUBQUERY_MARK)
        if not mark or SUBQUERY_MARK in self.tail or params:
            # Parameters of its own would be kept from the first run (a
            # time, a user): the query around must have none.
            raise ValueError(f"one mark and no parameters expected: {sql} {params}")
        self.width, self.converters = _select_of(compiler)


def rows_around(model, key, build, subquery) -> list[tuple]:
    """The rows (tuples) of ``build(RawSQL(SUBQUERY_MARK, ()))``, a values_list
    queryset of ``model`` without parameters of its own, with ``subquery`` (a
    RawSQL, or a queryset of one column) where the mark is: compiled once per
    connection and ``key`` (which must name everything else the query depends
    on). For a query whose shape is the same on every page around a subquery
    that is not (the case list's 50 rows around the ids of its page): the
    ORM's building and compiling of the query around cost more CPU than its
    read. Run as an ordinary query: its plan depends on the subquery's values."""
    connection = connections[router.db_for_read(model)]
    query = _kept(
        connection,
        ("around", key),
        lambda: _CompiledAround(connection, build(RawSQL(SUBQUERY_MARK, ()))),
    )
    if isinstance(subquery, RawSQL):
        sql, params = subquery.sql, subquery.params
    else:
        sql, params = subquery.query.get_compiler(connection=connection).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(query.head + sql + query.tail, params)
        rows = cursor.fetchall()
    return _selected(rows, query, connection)
