"""An independent JavaScript client (npm fhir-kit-client) reads and searches this server, run with Node.

The client is installed from tests/e2e/package.json (pinned by its lock file) by scripts/node_test_tools.sh,
which this test runs first: a no-op once tests/e2e/node_modules holds it.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from carebridge.clinical.models import Condition as ConditionRow
from carebridge.clinical.models import Observation as ObservationRow

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "tests" / "e2e" / "conformance" / "fhir_kit_client.mjs"


@pytest.fixture(scope="session")
def node():
    """Return the node executable, with fhir-kit-client installed by the project's script."""
    subprocess.run(["bash", str(ROOT / "scripts" / "node_test_tools.sh")], check=True, cwd=ROOT,
                   stdin=subprocess.DEVNULL)
    executable = shutil.which("node")
    assert executable, "node is missing after scripts/node_test_tools.sh"
    return executable


def test_fhir_kit_client_reads_searches_and_pages_through_temuulens_record(node, live_record):
    base, token, temuulen = live_record

    run = subprocess.run([node, str(SCRIPT), base, token, str(temuulen.public_id)], capture_output=True, text=True,
                         timeout=120, check=False)

    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout.strip().splitlines()[-1])
    observations = [str(o.public_id) for o in ObservationRow.objects.filter(patient=temuulen).order_by(
        "-effective_at", "pk")]
    assert found["tokenUrl"] == base.removesuffix("/fhir/r4") + "/oauth/token"
    assert found["fhirVersion"] == "4.0.1"
    assert found["patient"] == {"id": str(temuulen.public_id), "family": "Batbayar"}
    assert found["observationTotal"] == len(observations)
    assert len(found["observationPages"]) > 1
    assert [i for page in found["observationPages"] for i in page] == observations
    assert set(found["conditions"]) == {str(c.public_id) for c in ConditionRow.objects.filter(patient=temuulen)}
    assert found["includedTypes"] == ["match:Observation", "include:Patient"]
    assert found["refused"] == {"status": 404, "outcome": "OperationOutcome"}
