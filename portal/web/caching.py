"""Cache headers for static files: browsers and proxies keep them instead of asking on every page.

Kaifang's own CSS and JavaScript change with a deploy and their names do not, so they are cached for an hour
(then revalidated with their ETag). The front-end libraries in /static/vendor change only when
package-lock.json does, so they are cached for a week.
"""

from __future__ import annotations

from flask import Flask, Response, request

OWN_MAX_AGE = 3600
VENDOR_MAX_AGE = 7 * 24 * 3600


def init_app(app: Flask) -> None:
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = OWN_MAX_AGE

    @app.after_request
    def vendor_cache(response: Response) -> Response:
        if request.endpoint == "static":
            response.cache_control.public = True
            if (request.view_args or {}).get("filename", "").startswith("vendor/"):
                response.cache_control.max_age = VENDOR_MAX_AGE
        return response
