"""Test helpers: sample content in every language, and what poppler reads back from a PDF."""

import subprocess
from pathlib import Path

TEMPLATES_DIR = Path(__file__).parent / "templates"
# The same two sections of a discharge summary in each language; words chosen to extract back cleanly.
TEXTS = {
    "zh-hans": ("出院小结", "患者恢复良好，建议每月复查一次。"),
    "ar": ("ملخص الخروج", "تعافى المريض بشكل جيد وننصح بالمراجعة كل شهر"),
    "th": ("สรุปการรักษา", "ผู้ป่วยฟื้นตัวดี ควรตรวจติดตามที่โรงพยาบาลทุกเดือน"),
    "mn": ("Эмнэлгээс гарах тойм", "Өвчтөний биеийн байдал сайн байна сар бүр үзүүлэхийг зөвлөж байна"),
    "ja": ("退院サマリー", "患者の経過は良好です。毎月の受診をお勧めします。"),
    "ru": ("Выписной эпикриз", "Пациент хорошо восстановился рекомендуется ежемесячное наблюдение"),
    "en": ("Discharge summary", "The patient recovered well and should be seen every month"),
    "ur": ("ڈسچارج خلاصہ", "مریض کی حالت بہتر ہے ہر مہینے معائنہ کروائیں"),
}


def sample_context(second, *, sections_per_page=6, pages=2):
    """Return a JSON context of `pages` pages, each with sections in Chinese and the second language."""
    heading_zh, text_zh = TEXTS["zh-hans"]
    heading, text = TEXTS[second]
    page = [{"heading_primary": f"{heading_zh} {n}", "heading_second": f"{heading} {n}",
             "primary": text_zh, "second": text} for n in range(1, sections_per_page + 1)]
    return {"pages": [page] * pages, "patient_name": "BATBAYAR Temuulen"}


def pdf_text(path, *, raw=False):
    """Return the text pdftotext extracts from a PDF, pages separated by form feeds."""
    command = ["pdftotext", "-enc", "UTF-8", *(["-raw"] if raw else []), str(path), "-"]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def pdf_fonts(path):
    """Return (name, embedded) for every font of a PDF, from pdffonts, without the subset prefix."""
    lines = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout.splitlines()
    fonts = []
    for line in lines[2:]:
        name = line.split()[0]
        # The emb, sub and uni columns are the three yes/no words before the object id.
        flags = [word for word in line.split() if word in ("yes", "no")]
        fonts.append((name.split("+", 1)[-1], flags[0] == "yes"))
    return fonts


def pdf_pages(path):
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))
