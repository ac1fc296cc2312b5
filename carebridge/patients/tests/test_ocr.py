"""Reading the MRZ from photos of passport data pages set in the real passport font."""

import io
import random
import socket
import subprocess
from datetime import date
from pathlib import Path

import pytest
from mrz.generator.td3 import TD3CodeGenerator
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from carebridge.patients.mrz import MrzError
from carebridge.patients.ocr import MAX_IMAGE_BYTES, mrz_read_image

TODAY = date(2025, 6, 1)


def ocr_b_font_path() -> Path | None:
    """Find the OCR-B font that Debian's fonts-ocr-b installs."""
    try:
        listed = subprocess.run(
            ["dpkg", "-L", "fonts-ocr-b"], capture_output=True, text=True, check=False
        ).stdout.splitlines()
    except FileNotFoundError:
        listed = []
    candidates = [Path(p) for p in listed if Path(p).name.lower() in {"ocrb.otf", "ocrb.ttf"}]
    candidates += [
        Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf"),
        Path("/usr/share/fonts/truetype/ocr-b/OcrB.ttf"),
    ]
    return next((p for p in candidates if p.is_file()), None)


OCR_B = ocr_b_font_path()


@pytest.fixture(autouse=True)
def ocr_b_font_installed():
    """Fail loudly, never skip, when the passport font is missing: `make test` installs it (system_deps.sh)."""
    if OCR_B is None:
        pytest.fail("the OCR-B font is missing: run `bash scripts/system_deps.sh fonts-ocr-b`")


def mongolian_child_mrz() -> tuple[str, str]:
    """Generate the MRZ of a Mongolian passport issued to a one-year-old boy."""
    code = TD3CodeGenerator(
        "P", "MNG", "Bat-Erdene", "Temuulen", "E1234567", "MNG", "240315", "M", "290314", "UB24031512"
    )
    top, bottom = str(code).split("\n")
    return top, bottom


def passport_page(mrz_lines, *, seed: int = 7, angle: float = 1.2, quality: int = 75) -> bytes:
    """Render a degraded photo of a passport data page, about 1000x700 px."""
    rng = random.Random(seed)
    page = Image.new("RGB", (1000, 700), (250, 248, 240))
    draw = ImageDraw.Draw(page)
    small = ImageFont.truetype(str(OCR_B), 20)
    draw.text((40, 30), "MONGOLIA  PASSPORT", font=ImageFont.truetype(str(OCR_B), 30), fill=(40, 40, 90))
    draw.rectangle((40, 90, 260, 380), fill=(200, 200, 205))
    for y, text in enumerate(
        [
            "Type P   Code MNG   Passport No E1234567",
            "Surname  BAT-ERDENE",
            "Given names  TEMUULEN",
            "Nationality  MONGOLIAN",
            "Date of birth  15 MAR 2024    Sex M",
            "Date of issue  15 MAR 2024",
            "Date of expiry  14 MAR 2029",
            "Authority  GAGCA",
        ]
    ):
        draw.text((300, 100 + 34 * y), text, font=small, fill=(30, 30, 30))
    # ICAO 9303 sets the zone at 10 characters an inch: 20 px a character at this page's 200 dpi.
    size = 40 * 20 / ImageFont.truetype(str(OCR_B), 40).getlength("<")
    font = ImageFont.truetype(str(OCR_B), round(size))
    for i, line in enumerate(mrz_lines):
        draw.text((60, 700 - 60 * (len(mrz_lines) - i) - 20), line, font=font, fill=(10, 10, 10))
    for _ in range(3000):
        x, y = rng.randrange(1000), rng.randrange(700)
        page.putpixel((x, y), (rng.randrange(150, 255),) * 3)
    page = page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=(250, 248, 240))
    page = page.filter(ImageFilter.GaussianBlur(0.8))
    out = io.BytesIO()
    page.save(out, "JPEG", quality=quality)
    return out.getvalue()


@pytest.fixture
def no_network(monkeypatch):
    """Fail any attempt to open a network connection."""

    def refuse(*args, **kwargs):
        raise AssertionError("the OCR tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.mark.parametrize("angle", [1.5, -1.5])
def test_a_photo_of_a_mongolian_childs_passport_reads_exactly(angle, no_network):
    top, bottom = mongolian_child_mrz()

    data = mrz_read_image(passport_page([top, bottom], angle=angle), today=TODAY)

    assert data.lines == (top, bottom)
    assert data.format == "TD3"
    assert data.document_code == "P"
    assert data.issuing_state == "MNG"
    assert data.surname == "BAT ERDENE"
    assert data.given_names == "TEMUULEN"
    assert data.document_number == "E1234567"
    assert data.nationality == "MNG"
    assert data.nationality_alpha2 == "MN"
    assert data.date_of_birth == date(2024, 3, 15)
    assert data.sex == "M"
    assert data.expiry_date == date(2029, 3, 14)
    assert data.optional_data == "UB24031512"


def test_a_photo_of_the_icao_specimen_reads_exactly():
    lines = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]

    data = mrz_read_image(passport_page(lines, seed=3, angle=-0.8), today=date(2010, 1, 1))

    assert data.lines == tuple(lines)
    assert data.document_number == "L898902C3"


def test_a_photo_without_a_machine_readable_zone_is_unreadable():
    page = Image.new("RGB", (1000, 700), "white")
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(OCR_B), 28)
    for i, text in enumerate(
        ["Discharge summary", "Ward 4, bed 12", "Follow-up in two weeks", "No allergies"]
    ):
        draw.text((60, 80 + 80 * i), text, font=font, fill="black")
    out = io.BytesIO()
    page.save(out, "PNG")

    with pytest.raises(MrzError) as caught:
        mrz_read_image(out.getvalue())

    assert (caught.value.code, caught.value.field) == ("mrz_unreadable", "image")
    assert "photo" in str(caught.value)


@pytest.mark.parametrize(
    "data",
    [b"", b"%PDF-1.7 not an image at all", b"\x89PNG\r\n\x1a\n truncated", b"\xff" * (MAX_IMAGE_BYTES + 1)],
    ids=["empty", "pdf", "truncated-png", "over-10-mb"],
)
def test_bytes_that_are_not_a_readable_image_are_refused(data):
    with pytest.raises(MrzError) as caught:
        mrz_read_image(data)

    assert (caught.value.code, caught.value.field) == ("mrz_image_invalid", "image")
