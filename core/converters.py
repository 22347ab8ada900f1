"""Path converters of the portal's addresses."""


class IdConverter:
    """The id of a row in an address: 1 to 19 digits (``<id:pk>``).

    Django's ``<int:…>`` takes any number of digits, and a 25-digit id in an address made the
    database driver fail (SQLite: "Python int too large"): a 500. An id no row can have is simply
    not found (404), like any other unknown address.
    """

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


def register() -> None:
    """Make ``<id:…>`` known (once); each URL module that uses it calls this first."""
    from django.urls.converters import get_converters, register_converter

    if "id" not in get_converters():
        register_converter(IdConverter, "id")


register()
