"""Database expressions the scheduling queries need, computed natively on each backend.

Django's DurationField arithmetic on SQLite calls a Python function for every row, which made
"hours taught lately" cost ~50 µs a lesson; julianday() keeps it inside SQLite.
"""

from django.db.models import BigIntegerField, BooleanField, F, FloatField, Func


class SecondsBetween(Func):
    """(end - start) in seconds, as a float."""

    output_field = FloatField()

    def __init__(self, start: str, end: str, **extra):
        super().__init__(F(start), F(end), **extra)

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL
        start, start_params = compiler.compile(self.source_expressions[0])
        end, end_params = compiler.compile(self.source_expressions[1])
        return f"EXTRACT(EPOCH FROM ({end} - {start}))", (*end_params, *start_params)

    def as_sqlite(self, compiler, connection, **extra):
        start, start_params = compiler.compile(self.source_expressions[0])
        end, end_params = compiler.compile(self.source_expressions[1])
        return f"((julianday({end}) - julianday({start})) * 86400.0)", (*end_params, *start_params)


class EpochSeconds(Func):
    """A timestamp as whole seconds since 1970 (UTC). Reading an integer costs a fraction of
    parsing a timestamp into an aware datetime, which dominated the bookable-times query."""

    output_field = BigIntegerField()

    def __init__(self, field: str, **extra):
        super().__init__(F(field), **extra)

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL
        value, params = compiler.compile(self.source_expressions[0])
        return f"CAST(EXTRACT(EPOCH FROM {value}) AS bigint)", params

    def as_sqlite(self, compiler, connection, **extra):
        # Django stores aware datetimes on SQLite as UTC text, which strftime reads as UTC; '%%'
        # because the backend turns each %s into a parameter placeholder.
        value, params = compiler.compile(self.source_expressions[0])
        return f"CAST(strftime('%%s', {value}) AS INTEGER)", params


class AmongIds(Func):
    """`column IN ids` for a long list of ids: on PostgreSQL one array parameter (`= ANY(%s)`).

    Django writes `__in` as one placeholder per id, and each id is prepared by the field, quoted by
    the driver and parsed by the server: ranking 10,000 volunteers spent two thirds of its 0.9 s
    on six such lists. As an array the list is one value. SQLite has no arrays and keeps the list.
    """

    output_field = BooleanField()
    conditional = True

    def __init__(self, field: str, ids, **extra):
        self.ids = list(ids)
        super().__init__(F(field), **extra)

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL
        column, params = compiler.compile(self.source_expressions[0])
        return f"{column} = ANY(%s)", (*params, self.ids)

    def as_sqlite(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        if not self.ids:
            return "1 = 0", params
        return f"{column} IN ({', '.join(['%s'] * len(self.ids))})", (*params, *self.ids)
