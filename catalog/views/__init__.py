"""Views: pure functions from a record's typed projection (`catalog.model.Dataset`) to other shapes.

A view never reads RDF and never talks to a service; it can always be rebuilt from the stored record.
"""
