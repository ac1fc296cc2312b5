// Read and search a CareBridge FHIR server with the npm fhir-kit-client, as an independent client would.
//   node tests/e2e/conformance/fhir_kit_client.mjs <FHIR base URL> <bearer token> <patient id>
// Prints one JSON object of what it found; exits non-zero on any error. Run by
// carebridge/interop/tests/test_conformance_fhir_kit_client.py against a live server.
import { Client } from 'fhir-kit-client';

const [baseUrl, token, patientId] = process.argv.slice(2);
const client = new Client({ baseUrl, bearerToken: token });

const ids = (bundle) => (bundle.entry || []).filter((e) => e.search?.mode !== 'include').map((e) => e.resource.id);

const auth = await client.smartAuthMetadata();
const capability = await client.capabilityStatement();
const patient = await client.read({ resourceType: 'Patient', id: patientId });

// Follow next links page by page, then one previous link back.
const pages = [];
let bundle = await client.search({ resourceType: 'Observation', searchParams: { patient: patientId, _count: 2, _sort: '-date' } });
const total = bundle.total;
while (bundle) {
  pages.push(ids(bundle));
  const next = client.nextPage({ bundle });
  if (!next) {
    break;
  }
  const following = await next;
  if (pages.length > 20) throw new Error('too many pages');
  const back = pages.length === 1 ? await client.prevPage({ bundle: following }) : null;
  if (back && JSON.stringify(ids(back)) !== JSON.stringify(pages[0])) throw new Error('previous page differs');
  bundle = following;
}

const conditions = await client.search({ resourceType: 'Condition', searchParams: { patient: patientId } });
const included = await client.search({
  resourceType: 'Observation',
  searchParams: { patient: patientId, _include: 'Observation:patient', _count: 1 },
});
let refused = null;
try {
  await client.read({ resourceType: 'Patient', id: '00000000-0000-4000-8000-000000000000' });
} catch (error) {
  refused = { status: error.response?.status, outcome: error.response?.data?.resourceType };
}

console.log(JSON.stringify({
  tokenUrl: auth.tokenUrl?.toString(),
  fhirVersion: capability.fhirVersion,
  patient: { id: patient.id, family: patient.name?.[0]?.family },
  observationTotal: total,
  observationPages: pages,
  conditions: ids(conditions),
  includedTypes: (included.entry || []).map((e) => `${e.search.mode}:${e.resource.resourceType}`),
  refused,
}));
