"""The one exception the geo library raises, so callers (harvesters, the upload form) catch one thing."""


class GeoError(ValueError):
    """A file the geo library cannot or will not read: broken, hostile, over a limit, or without a usable CRS.

    The message is meant for the person who published the file, so it says what was wrong and what to do.
    """
