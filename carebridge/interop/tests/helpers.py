"""Helpers of the FHIR tests: bearer headers, organisations' tokens, responses validated with R4B models."""

from fhir.resources.R4B import get_fhir_model_class

from carebridge.accounts.services import api_token_create


def bearer(secret):
    """Return the request header of a bearer token."""
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def as_fhir(response):
    """Return a FHIR response's body validated with the R4B model of its resourceType."""
    assert response["Content-Type"].startswith("application/fhir+json")
    body = response.json()
    return get_fhir_model_class(body["resourceType"]).model_validate(body)


def bundle_resources(bundle):
    """Return the resources of a searchset Bundle."""
    return [entry.resource for entry in bundle.entry or []]


def token_for(organisation, admin, scopes=("fhir:read",)):
    """Return the raw secret of a new token of an organisation's system."""
    _token, secret = api_token_create(organisation=organisation, name=f"{organisation.slug} EHR",
                                      scopes=list(scopes), created_by=admin)
    return secret
