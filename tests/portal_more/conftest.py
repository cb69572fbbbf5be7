"""The portal_search catalogue (real records, indexed under a private prefix, on a real werkzeug server),
built once more for this package: these tests withdraw and restore a record, so they keep their own copy."""

from __future__ import annotations

from tests.portal_search.conftest import es, server, site  # noqa: F401 - fixtures re-registered here
