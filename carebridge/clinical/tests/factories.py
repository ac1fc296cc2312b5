"""Clinical test data: the CT conclusion in Chinese and its Mongolian translation, small files."""

CONCLUSION = "右下肺少许炎症，建议抗感染治疗后复查。"
MONGOLIAN = "Баруун доод дэлбээнд бага зэргийн үрэвсэл байна. Эмчилгээний дараа дахин шинжилнэ."
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
