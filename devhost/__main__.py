"""python -m devhost [--port 7071]: serve function_app.app like `func start` would."""

from __future__ import annotations

import argparse
import errno
import importlib
import logging
import os
import sys
from pathlib import Path

from aiohttp import web

from devhost.server import LocalFunctionsHost, host_config, load_local_settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "7071")))
    parser.add_argument("--project", default=str(Path(__file__).resolve().parent.parent))
    args = parser.parse_args()
    project = Path(args.project)
    sys.path.insert(0, str(project))
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), format="%(message)s")
    logging.getLogger("azure").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    settings = load_local_settings(project)
    config = host_config(project, settings)
    app = importlib.import_module("function_app").app
    host = LocalFunctionsHost(app, config)
    listening = (
        f"devhost: {len(host.functions)} functions listening on http://{args.host}:{args.port}/{config.route_prefix}"
    )
    # aiohttp calls `print` once the socket is bound: only then may the line say "listening".
    application = host.web_app()
    application.on_startup.append(host.start_timers)  # timer functions run on their schedules
    application.on_cleanup.append(host.stop_timers)
    try:
        web.run_app(
            application, host=args.host, port=args.port, print=lambda _: print(listening, flush=True), access_log=None
        )
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        # One line, no traceback: which port, and the variable that moves it (exit status 1).
        raise SystemExit(
            f"devhost: port {args.port} on {args.host} is already in use: stop what listens there"
            f" or choose another port with PORT (or --port)"
        ) from None


if __name__ == "__main__":
    main()
