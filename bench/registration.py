"""Patient search over 10,000 patients and MRZ parsing, each as a ratio to a bare Django view, in one run.

Prints:
  BENCH registration_search_p95 <ms> ms           p95 of a desk search (name in Cyrillic, passport, MRN)
  BENCH registration_search_p95_ratio <x> x       that p95 divided by the bare view's p95 (lower is better)
  BENCH registration_mrz_parse_rate <n> per_s     MRZ parse requests per second through /api/v1/mrz/parse
  BENCH registration_mrz_parse_ratio <x> x        that rate divided by the bare view's rate (higher is better)
"""

import datetime as dt
import random
import time

from support import bench_line, django_setup, p95, timed

PATIENTS = 10_000
SURNAMES = [("BATBAYAR", "Батбаяр"), ("DORJ", "Дорж"), ("GANBOLD", "Ганболд"), ("TAN", "陈"), ("KIM", "김"),
            ("SANTOS", ""), ("IVANOV", "Иванов"), ("NGUYEN", "Nguyễn"), ("AL MANSOORI", "المنصوري"), ("SATO", "佐藤")]
GIVEN = [("TEMUULEN", "Тэмүүлэн"), ("ANU", "Ану"), ("WEI MING", "伟明"), ("MINJUN", "민준"), ("MARIA", ""),
         ("OLGA", "Ольга"), ("AN", "An"), ("FATIMA", "فاطمة"), ("YUKI", "由紀")]


def main():
    django_setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from carebridge.accounts.models import Membership, Organisation
    from carebridge.patients.models import (
        IdentityDocument,
        MedicalRecordNumber,
        Patient,
        document_number_hash,
    )
    from carebridge.patients.tests.factories import td3

    rng = random.Random(42)
    hospital = Organisation.objects.create(slug="bench-hospital", name="Bench Hospital", kind="hospital",
                                           country="CN")
    coordinator = get_user_model().objects.create_user(email="desk@bench.test", password="x" * 20)
    Membership.objects.create(user=coordinator, organisation=hospital, role="coordinator")
    patients = []
    for n in range(PATIENTS):
        family, family_native = rng.choice(SURNAMES)
        given, given_native = rng.choice(GIVEN)
        patient = Patient(family_name=family.title(), given_names=given.title(),
                          native_name=f"{family_native} {given_native}".strip(), registered_by=coordinator,
                          date_of_birth=dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(25000)),
                          nationality="MN", phone=f"+9769{n:07d}")
        patient.search_text = " ".join(
            f"{patient.family_name} {patient.given_names} {patient.native_name}".casefold().split())
        patients.append(patient)
    Patient.objects.bulk_create(patients, batch_size=1000)
    patients = list(Patient.objects.order_by("pk"))
    MedicalRecordNumber.objects.bulk_create(
        [MedicalRecordNumber(patient=p, hospital=hospital, number=f"BEN{i:07d}") for i, p in enumerate(patients)],
        batch_size=1000)
    from carebridge.core import crypto

    IdentityDocument.objects.bulk_create(
        [IdentityDocument(patient=p, issuing_state="MNG", number_encrypted=crypto.encrypt(f"E{i:08d}"),
                          number_hash=document_number_hash(f"E{i:08d}")) for i, p in enumerate(patients)],
        batch_size=1000)

    client = Client()
    client.force_login(coordinator, backend="carebridge.accounts.backends.EmailBackend")
    device = TOTPDevice.objects.create(user=coordinator, name="bench", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()

    queries = ["Батбаяр", "E00004242", "BEN0000777", "tan wei", "Ольга", "+97690001234"]
    for query in queries:  # warm up caches and check the searches find something
        response = client.get("/api/v1/patients", {"q": query})
        assert response.status_code == 200 and response.json()["count"] > 0, query
    rounds = 50
    search = timed(lambda: client.get("/api/v1/patients", {"q": rng.choice(queries), "page_size": 20}), rounds)
    bare = timed(lambda: client.get("/bench/bare/"), rounds * 4)
    bench_line("registration_search_p95", p95(search), "ms")
    bench_line("registration_search_p95_ratio", p95(search) / p95(bare), "x")

    mrz = td3(surname="BATBAYAR", given="TEMUULEN", number="E12345678", nationality="MNG", birth="241003",
              sex="M", expiry="300101")
    parses = 300
    start = time.perf_counter()
    for _ in range(parses):
        response = client.post("/api/v1/mrz/parse", {"text": mrz}, content_type="application/json")
    parse_rate = parses / (time.perf_counter() - start)
    assert response.status_code == 200
    start = time.perf_counter()
    for _ in range(parses):
        client.get("/bench/bare/")
    bare_rate = parses / (time.perf_counter() - start)
    bench_line("registration_mrz_parse_rate", parse_rate, "per_s")
    bench_line("registration_mrz_parse_ratio", parse_rate / bare_rate, "x")


if __name__ == "__main__":
    main()
