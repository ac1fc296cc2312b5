"""Read the machine-readable zone from a photo of a passport or identity card data page."""

from __future__ import annotations

import io
import itertools
import math
import re
import threading
import unicodedata
import warnings
from dataclasses import dataclass
from datetime import date

import numpy as np
from PIL import Image, ImageOps

from .mrz import FILLER, MrzData, MrzError, check_digit, mrz_parse

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
# Larger photos only cost time: the MRZ characters stay over 30 px high at this size.
_WORKING_SIDE = 2000

_FILLER_LOOKALIKES = str.maketrans(dict.fromkeys("‹›くク〈〉⟨⟩≺＜﹤", FILLER))
# Greek and Cyrillic capitals the reader returns for Latin ones that look the same, and × for X.
_LETTER_LOOKALIKES = str.maketrans("ΑΒΕΗΙΚΜΝΟΡΤΥΧΖАВЕКМНОРСТУХ×", "ABEHIKMNOPTYXZABEKMHOPCTYXX")
_TO_DIGIT = str.maketrans("OQDUILZSBGT", "00001125867")
_TO_LETTER = str.maketrans("01256847", "OIZSGBAT")
_SWAPS = {"O": "0", "0": "O", "I": "1", "1": "I", "B": "8", "8": "B", "S": "5", "5": "S", "Z": "2", "2": "Z"}
_SWAPS |= {"G": "6", "6": "G"}
_MAX_SWAPS = 2

# Per position: a = letter or filler, n = digit, c = check digit (digit or filler), s = sex, x = any.
_MASKS = {
    "TD1": ("aaaaa" + "x" * 9 + "c" + "x" * 15, "n" * 7 + "s" + "n" * 7 + "aaa" + "x" * 11 + "n", "a" * 30),
    "TD2": ("a" * 36, "x" * 9 + "c" + "aaa" + "n" * 7 + "s" + "n" * 7 + "x" * 7 + "n"),
    "TD3": ("a" * 44, "x" * 9 + "n" + "aaa" + "n" * 7 + "s" + "n" * 7 + "x" * 14 + "cn"),
}
# (line, start, end, check digit position) of the fields whose misreads a check digit can guide.
_SWAP_FIELDS = {
    "TD1": {"document_number": (0, 5, 14, 14)},
    "TD2": {"document_number": (1, 0, 9, 9)},
    "TD3": {"document_number": (1, 0, 9, 9), "personal_number": (1, 28, 42, 42)},
}
_LENGTHS = {"TD1": 30, "TD2": 36, "TD3": 44}
_COUNTS = {"TD1": 3, "TD2": 2, "TD3": 2}

_engine = None
_engine_lock = threading.Lock()


@dataclass
class _Line:
    text: str
    centres: list[float]
    left: float
    right: float
    angle: float

    @property
    def pitch(self) -> float | None:
        steps = sorted(b - a for a, b in zip(self.centres, self.centres[1:], strict=False) if b > a)
        return steps[len(steps) // 2] if steps else None


def _ocr_engine():
    """Load the OCR engine once per process; its models ship inside the wheel."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                from rapidocr_onnxruntime import RapidOCR

                _engine = RapidOCR()
    return _engine


def _decode(data: bytes) -> Image.Image:
    if not data or len(data) > MAX_IMAGE_BYTES:
        raise MrzError("mrz_image_invalid", "image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                if opened.width * opened.height > MAX_IMAGE_PIXELS:
                    raise MrzError("mrz_image_invalid", "image")
                image = ImageOps.exif_transpose(opened).convert("RGB")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise MrzError("mrz_image_invalid", "image") from None
    image.thumbnail((_WORKING_SIDE, _WORKING_SIDE))
    return image


def _read_lines(image: Image.Image) -> list[_Line]:
    bgr = np.asarray(image)[:, :, ::-1].copy()
    # The angle classifier turns lines of `<<<<` upside down, so it stays off.
    result, _elapsed = _ocr_engine()(bgr, use_cls=False, return_word_box=True)
    boxes = []
    for points, text, _score, *chars in result or []:
        char_boxes = chars[0] if chars and chars[0] and len(chars[0]) == len(text) else []
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        (x0, y0), (x1, y1) = points[0], points[1]
        centres = [sum(p[0] for p in box) / len(box) for box in char_boxes]
        boxes.append(
            (min(ys), max(ys), min(xs), max(xs), text, centres, math.degrees(math.atan2(y1 - y0, x1 - x0)))
        )
    boxes.sort(key=lambda b: (b[0] + b[1]) / 2)
    rows: list[list[tuple]] = []
    for box in boxes:
        centre, height = (box[0] + box[1]) / 2, box[1] - box[0]
        if rows:
            last = rows[-1]
            last_centre = sum((b[0] + b[1]) / 2 for b in last) / len(last)
            if abs(centre - last_centre) < 0.5 * min(height, min(b[1] - b[0] for b in last)):
                last.append(box)
                continue
        rows.append([box])
    lines = []
    for row in rows:
        row.sort(key=lambda b: b[2])
        text = _normalise("".join(b[4] for b in row))
        centres = [c for b in row for c in b[5]]
        lines.append(
            _Line(
                text,
                centres if len(centres) == len(text) else [],
                min(b[2] for b in row),
                max(b[3] for b in row),
                max(row, key=lambda b: b[3] - b[2])[6],
            )
        )
    return lines


def _normalise(text: str) -> str:
    text = (
        unicodedata.normalize("NFKC", text)
        .upper()
        .translate(_FILLER_LOOKALIKES)
        .translate(_LETTER_LOOKALIKES)
    )
    return re.sub(r"\s+", "", text)


def _looks_like_mrz(line: _Line) -> bool:
    text = line.text.replace("«", "").replace("»", "")
    if len(text) < 20:
        return False
    valid = sum(c.isascii() and (c.isalnum() or c == FILLER) for c in text)
    return valid >= 0.9 * len(text) and (FILLER in text or "«" in line.text)


def _fit_length(line: _Line, length: int) -> list[str]:
    """Return the line at the given length, adding or removing only fillers where the character positions
    show the reader merged or skipped some: a letter it skipped cannot be told from the spacing alone."""
    text = line.text
    if len(text) == length:
        return [text]
    pitch = line.pitch
    if pitch is None or not line.centres or abs(len(text) - length) > 6:
        return []
    if (line.centres[0] - line.left) / pitch > 1.0:
        return []  # the first character was skipped
    out = [text[0]]
    for i in range(1, len(text)):
        step = round((line.centres[i] - line.centres[i - 1]) / pitch)
        if step == 0 and text[i] == text[i - 1] == FILLER:
            continue
        if step > 1:
            if not (text[i] == text[i - 1] == FILLER):
                return []
            out.append(FILLER * (step - 1))
        elif step < 1:
            return []
        out.append(text[i])
    fitted = "".join(out)
    trailing = round((line.right - line.centres[-1]) / pitch - 0.5)
    if len(fitted) < length and fitted.endswith(FILLER) and abs(len(fitted) + trailing - length) <= 1:
        fitted += FILLER * (length - len(fitted))
    return [fitted] if len(fitted) == length else []


def _coerce(text: str, mask: str) -> str:
    out = []
    for char, kind in zip(text, mask, strict=True):
        if kind == "n" or (kind == "c" and char != FILLER):
            char = char.translate(_TO_DIGIT)
        elif kind == "a":
            char = char.translate(_TO_LETTER)
        out.append(char)
    return "".join(out)


def _swap_repairs(lines: list[str], fmt: str, field: str) -> list[list[str]]:
    """Return the readings whose field passes its check digit after 1 or 2 look-alike swaps."""
    spec = _SWAP_FIELDS[fmt].get(field)
    if spec is None:
        return []
    row, start, end, digit_at = spec
    line = lines[row]
    value, digit = line[start:end], line[digit_at]
    positions = [i for i, c in enumerate(value) if c in _SWAPS]
    found = []
    for count in range(1, _MAX_SWAPS + 1):
        for chosen in itertools.combinations(positions, count):
            chars = list(value)
            for i in chosen:
                chars[i] = _SWAPS[chars[i]]
            candidate = "".join(chars)
            try:
                matches = check_digit(candidate) == digit
            except KeyError:
                continue
            if matches:
                repaired = list(lines)
                repaired[row] = line[:start] + candidate + line[end:]
                found.append(repaired)
        if found:
            break
    return found


def _parse_candidate(lines: list[str], fmt: str, today: date | None, repaired=frozenset()) -> MrzData | None:
    """Parse a reading, repairing look-alike swaps in each checked field at most once; None unless unique."""
    try:
        return mrz_parse("\n".join(lines), today=today)
    except MrzError as error:
        if error.code != "mrz_check_digit" or error.field in repaired:
            return None
        results = set()
        for candidate in _swap_repairs(lines, fmt, error.field):
            parsed = _parse_candidate(candidate, fmt, today, repaired | {error.field})
            if parsed is not None:
                results.add(parsed)
        return results.pop() if len(results) == 1 else None


def _candidates(lines: list[_Line], fmt: str):
    length, count = _LENGTHS[fmt], _COUNTS[fmt]
    mrz_like = [line for line in lines if _looks_like_mrz(line)]
    # The zone is at the bottom of the page; a line or two of noise may sit below it.
    for end in range(len(mrz_like), max(count - 1, len(mrz_like) - 3), -1):
        window = mrz_like[end - count : end]
        options = [_fit_length(line, length) for line in window]
        for combination in itertools.product(*options):
            yield [_coerce(text, mask) for text, mask in zip(combination, _MASKS[fmt], strict=True)]


def mrz_read_image(data: bytes, *, today: date | None = None) -> MrzData:
    """Read and check the MRZ in a photo (JPEG, PNG or anything Pillow decodes) of a data page."""
    image = _decode(data)
    lines = _read_lines(image)
    parsed = _parse_lines(lines, today)
    if parsed is None:
        # The reader drops characters on tilted lines more often than on level ones: level the page by
        # the angle of the zone's lines and read it once more.
        angles = sorted(line.angle for line in lines if _looks_like_mrz(line))
        if angles and abs(angles[len(angles) // 2]) >= 0.3:
            level = image.rotate(
                angles[len(angles) // 2], resample=Image.Resampling.BICUBIC, expand=True, fillcolor="white"
            )
            parsed = _parse_lines(_read_lines(level), today)
    if parsed is None:
        raise MrzError("mrz_unreadable", "image")
    return parsed


def _parse_lines(lines: list[_Line], today: date | None) -> MrzData | None:
    for fmt in ("TD3", "TD2", "TD1"):
        for candidate in _candidates(lines, fmt):
            parsed = _parse_candidate(candidate, fmt, today)
            if parsed is not None:
                return parsed
    return None
