"""The RDF namespaces of DCAT-AP 3, named once so every module spells them the same way."""

from rdflib import Namespace
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD

# rdflib's DCAT is the closed DCAT 2 namespace; DCAT 3 adds DatasetSeries, inSeries, version...
DCAT = Namespace("http://www.w3.org/ns/dcat#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
GSP = Namespace("http://www.opengis.net/ont/geosparql#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
ODRL = Namespace("http://www.w3.org/ns/odrl/2/")
SCHEMA = Namespace("http://schema.org/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")

DCT = DCTERMS

PREFIXES = {
    "adms": ADMS,
    "dcat": DCAT,
    "dcatap": DCATAP,
    "dct": DCTERMS,
    "foaf": FOAF,
    "gsp": GSP,
    "hydra": HYDRA,
    "locn": LOCN,
    "odrl": ODRL,
    "owl": OWL,
    "prov": PROV,
    "rdf": RDF,
    "rdfs": RDFS,
    "schema": SCHEMA,
    "skos": SKOS,
    "spdx": SPDX,
    "vcard": VCARD,
    "xsd": XSD,
}

__all__ = [
    "ADMS", "DCAT", "DCATAP", "DCT", "DCTERMS", "FOAF", "GSP", "HYDRA", "LOCN", "ODRL", "OWL", "PREFIXES",
    "PROV", "RDF", "RDFS", "SCHEMA", "SKOS", "SPDX", "VCARD", "XSD",
]
