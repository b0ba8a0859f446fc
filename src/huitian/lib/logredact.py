"""Personal numbers never reach a log: mainland mobile numbers (1[3-9] and nine digits, with or without
+86) and 18-digit resident ID numbers are replaced in every log record, in its message, its arguments,
its traceback and its stack, whatever logger wrote it (ours, uvicorn's, SQLAlchemy's, whose errors name
the statement's parameters). Lone surrogates, which no log stream can encode, become U+FFFD.

`install()` (called by create_app and the CLI) wraps the process's log record factory, so each record is
cleaned as it is made, before any filter or handler sees it, pytest's caplog included; RedactFilter and
RedactingFormatter do the same for a handler or formatter configured by hand (uvicorn's log config)."""

from __future__ import annotations

import logging
import re
import traceback

ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9][0-9]{9}(?![0-9])")
SURROGATE = re.compile("[\ud800-\udfff]")


def redact(text: str) -> str:
    if not text:
        return text
    text = ID_NUMBER.sub("<id-number>", text)
    text = MOBILE.sub("<phone>", text)
    return SURROGATE.sub("\ufffd", text)


def _format_exception(exc_info) -> str:
    return "".join(traceback.format_exception(*exc_info)).rstrip("\n")


def clean(record: logging.LogRecord) -> logging.LogRecord:
    """Redact a record in place: its message rendered with its arguments, its traceback rendered now
    (exc_text, which formatters print instead of rendering exc_info again), its stack."""
    if getattr(record, "huitian_redacted", False):
        return record
    try:
        message = record.getMessage()
    except Exception:  # arguments that do not fit the message: logging reports that itself, later
        message = None
    if message is not None:
        record.msg, record.args = redact(message), ()
    if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
        record.exc_text = _format_exception(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    record.huitian_redacted = True
    return record


class RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        clean(record)
        return True


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(clean(record)))

    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        return redact(super().formatException(ei))


_installed = False


def install() -> None:
    """Clean every log record of the process as it is made (idempotent)."""
    global _installed
    if _installed:
        return
    make = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        return clean(make(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    _installed = True
