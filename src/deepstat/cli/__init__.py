"""The ``deepstat`` command line: one module per command group.

- ``deepstat fit / predict / evaluate / compare`` (:mod:`deepstat.cli.tabular`): a deep model on a table
  against its classical model;
- ``deepstat survival fit / compare`` (:mod:`deepstat.cli.survival`): deep survival models against the
  linear Cox model (``deepstat fit DATA --time T --event E`` remains as an alias);
- ``deepstat datasets / demo / experiment`` (:mod:`deepstat.cli.tools`).

Exit codes: 0 success; 2 bad input (a missing file or column, a non-numeric target, a target
outside the family's support ...), reported in one line without a traceback; 1 an internal
error. Every command has ``--help``.
"""

from __future__ import annotations


import typer

from deepstat.cli import tabular, tools  # noqa: F401 - importing a group registers its commands on `app`
from deepstat.cli._common import UserInputError, app, err_console
from deepstat.cli.survival import survival_app

__all__ = ["app", "main"]

app.add_typer(survival_app, name="survival")


def _one_line(exc: BaseException) -> str:
    """The message on one line: whitespace runs (scikit-learn's multi-line lists) become single spaces."""
    return " ".join(str(exc).split())


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``deepstat`` script; returns the exit code."""
    try:
        app(args=argv, standalone_mode=False)
    except UserInputError as exc:
        err_console.print(f"[red]error:[/red] {_one_line(exc)}", highlight=False, soft_wrap=True)
        return 2
    except (ValueError, TypeError, KeyError, FileNotFoundError) as exc:
        # raised by deepstat's own validation of the data: the message names the problem
        err_console.print(f"[red]error:[/red] {_one_line(exc)}", highlight=False, soft_wrap=True)
        return 2
    except typer.Exit as exc:
        return int(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("aborted")
        return 1
    except Exception as exc:  # noqa: BLE001 - the CLI's last line of defence: exit 1 with the reason
        if "click" in type(exc).__module__:
            return _click_error(exc)
        err_console.print(f"[red]internal error[/red] ({type(exc).__name__}): {exc}", highlight=False)
        return 1
    return 0


def _click_error(exc: Exception) -> int:
    """Usage errors of click (missing option, bad value): its own message, exit code 2."""
    show = getattr(exc, "show", None)
    if callable(show):
        show()
    return int(getattr(exc, "exit_code", 2) or 2)

