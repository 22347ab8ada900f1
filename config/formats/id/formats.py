"""Dates and times as an Indonesian reads and types them: 04/12/2026, 14.30 and 01.05 (24-hour,
two-digit hour).

Only the input formats differ from Django's own Indonesian formats: Django's also read
``10/25/2009 14.30`` month first, so that ``04/12/2026 14.30`` would be the 12th of April. ISO
(``2026-12-04T14:30``) is read too (API clients, older bookmarks). Django's own Indonesian time is
``G.i`` (``1.05``); a clock reads ``01.05`` as the pickers do, so the hour keeps two digits."""

TIME_FORMAT = "H.i"
DATETIME_FORMAT = "j N Y, H.i"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H.i"

DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%d/%m/%y", "%Y-%m-%d"]
TIME_INPUT_FORMATS = ["%H.%M", "%H:%M", "%H.%M.%S", "%H:%M:%S"]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H.%M",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H.%M.%S",
    "%d-%m-%Y %H.%M",
    "%d-%m-%Y %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
]
