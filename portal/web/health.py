"""/healthz: what an operator or a load balancer needs to know, as JSON."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from catalog import migrate
from portal.web import deps
from search.client import health as engine_health

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    database = _database()
    search = engine_health(deps.es())
    ok = database["ok"] and search["ok"]
    return jsonify({"status": "ok" if ok else "degraded", "database": database, "elasticsearch": search}), (
        200 if ok else 503
    )


def _database() -> dict:
    store = deps.store()
    try:
        with store.engine.connect() as connection:
            connection.execute(text("select 1"))
        revision = migrate.current(str(store.engine.url.render_as_string(hide_password=False)))
        return {"ok": revision == migrate.head(), "backend": store.engine.dialect.name,
                "revision": revision, "expected": migrate.head(), "datasets": store.count()}
    except SQLAlchemyError as exc:
        return {"ok": False, "backend": store.engine.dialect.name, "error": str(exc).splitlines()[0][:200]}
