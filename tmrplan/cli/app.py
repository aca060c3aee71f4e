"""``tmrplan app``: start the Streamlit front end, from a source checkout or an installed wheel.

The server script, its pages and its ``.streamlit/config.toml`` (loopback only, XSRF on) ship
inside the package, so the app starts the same way from any directory; ``make run`` uses this
command too.
"""

from __future__ import annotations

import os
import sys

import click

from tmrplan import paths


@click.command("app", context_settings={"ignore_unknown_options": True})
@click.option("--port", type=click.IntRange(1, 65535), default=8501, show_default=True)
@click.argument("streamlit_options", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def app_command(ctx: click.Context, port: int, streamlit_options: tuple[str, ...]) -> None:
    """Serve the front end on http://localhost:PORT, on loopback only by default.

    Further options go to 'streamlit run', e.g. --server.address 0.0.0.0 to serve a ward network.
    """
    script = paths.server_script()
    # The global --ontology/--rules reach the server through the environment it inherits.
    options = ctx.find_root().params
    for variable, value in (
        ("TMRPLAN_ONTOLOGY", options.get("ontology")),
        ("TMRPLAN_RULES", options.get("rules")),
    ):
        if value is not None:
            os.environ[variable] = str(value.resolve())
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port)]
    # exec, not a child process: Ctrl-C and a supervisor's signals reach the server itself.
    os.execv(sys.executable, [*command, *streamlit_options])
