"""Temuulen's International Patient Summary: a FHIR document Bundle that validates and follows the IPS rules."""

from fhir.resources.R4B.bundle import Bundle

from carebridge.interop.ips.export import ips_bundle_build


def test_temuulens_summary_validates_as_an_r4_document_bundle(temuulen, record, guardian):
    bundle = ips_bundle_build(patient=temuulen, language="mn", requested_by=guardian)
    Bundle.model_validate(bundle)
    assert bundle["type"] == "document"
    assert bundle["entry"][0]["resource"]["resourceType"] == "Composition"

