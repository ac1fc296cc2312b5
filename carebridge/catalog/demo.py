"""Demo catalog of the two demo hospitals: departments, consultations, imaging, a check-up and TCM packages, rates.

Service codes are stable (other apps' demo data and the stories refer to them). The check-up package and the
chest CT, which the stories use, are translated into en, zh-hans, ru, mn and ar; the other services' names too.
"""

from decimal import Decimal
from pathlib import Path

from django.dispatch import receiver

from carebridge.accounts.signals import demo_data_requested
from carebridge.catalog.models import Department, PackageStation, Service
from carebridge.catalog.services import exchange_rates_import

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ECB_SAMPLE = FIXTURES / "eurofxref-daily-sample.xml"
# Not in the ECB's list (MNT, RUB, AED, VND, PKR, KWD): the hospital's cashier keeps them, source "manual".
MANUAL_SAMPLE = FIXTURES / "manual-rates-sample.csv"
HOSPITALS = ("haikou-intl", "chongqing-intl")

K = Service.Kind
A = PackageStation.Area

DEPARTMENTS = {
    "international": ("International Medical Centre", {
        "zh-hans": "国际医疗中心", "ru": "Международный медицинский центр", "mn": "Олон улсын эмнэлгийн төв",
        "ar": "المركز الطبي الدولي"}),
    "paediatrics-respiratory": ("Paediatrics – Respiratory", {
        "zh-hans": "儿科呼吸专科", "ru": "Детская пульмонология", "mn": "Хүүхдийн амьсгалын замын тасаг",
        "ar": "طب الأطفال – أمراض الجهاز التنفسي"}),
    "endocrinology-thyroid": ("Endocrinology and Thyroid Surgery", {
        "zh-hans": "内分泌与甲状腺外科", "ru": "Эндокринология и хирургия щитовидной железы",
        "mn": "Дотоод шүүрэл, бамбай булчирхайн мэс засал", "ar": "الغدد الصماء وجراحة الغدة الدرقية"}),
    "radiology": ("Radiology", {
        "zh-hans": "放射科", "ru": "Лучевая диагностика", "mn": "Дүрс оношилгоо", "ar": "قسم الأشعة"}),
    "laboratory": ("Laboratory", {
        "zh-hans": "检验科", "ru": "Лаборатория", "mn": "Лаборатори", "ar": "المختبر"}),
    "tcm": ("Traditional Chinese Medicine", {
        "zh-hans": "中医科", "ru": "Традиционная китайская медицина", "mn": "Хятадын уламжлалт анагаах ухаан",
        "ar": "الطب الصيني التقليدي"}),
}

CHEST_CT_PREPARATION = {
    "en": "Plain chest CT (no contrast): no fasting needed; eat and drink as usual.\n"
          "Chest CT with contrast: do not eat for 4 hours before the scan; you may drink water.\n"
          "Remove metal objects before the scan: jewellery, hairpins, underwired bras, belts, keys and phones.\n"
          "Bring your passport and any previous chest images or reports. Tell the staff if you may be pregnant, "
          "are allergic to contrast or have kidney disease.",
    "zh-hans": "胸部CT平扫：无需空腹，可正常饮食。\n"
               "胸部增强CT：检查前4小时禁食，可以喝水。\n"
               "检查前请取下金属物品：首饰、发夹、带钢圈的文胸、腰带、钥匙和手机。\n"
               "请携带护照及既往胸部影像资料或报告。如可能怀孕、对造影剂过敏或患有肾脏疾病，请告知工作人员。",
    "ru": "КТ без контраста: приходить натощак не нужно, можно есть и пить как обычно.\n"
          "КТ с контрастом: не ешьте за 4 часа до исследования; воду пить можно.\n"
          "Перед исследованием снимите металлические предметы: украшения, заколки, бюстгальтер с косточками, "
          "ремень, ключи и телефон.\n"
          "Возьмите паспорт и прежние снимки или заключения. Сообщите персоналу, если вы можете быть беременны, "
          "у вас аллергия на контрастное вещество или заболевание почек.",
    "mn": "Тодосгогчгүй КТ: өлөн байх шаардлагагүй, ердийнхөөрөө хооллож, ундаалж болно.\n"
          "Тодосгогчтой КТ: шинжилгээнээс 4 цагийн өмнө хоол идэхгүй; ус ууж болно.\n"
          "Шинжилгээний өмнө металл эдлэлээ авна уу: гоёл чимэглэл, үсний хавчаар, төмөр утастай хөхний "
          "даруулга, бүс, түлхүүр, утас.\n"
          "Паспорт болон өмнөх зураг, дүгнэлтээ авчирна уу. Жирэмсэн байж магадгүй, тодосгогч бодист харшилтай "
          "эсвэл бөөрний өвчтэй бол эмнэлгийн ажилтанд хэлнэ үү.",
    "ar": "الأشعة المقطعية دون صبغة: لا حاجة إلى الصيام، ويمكنك الأكل والشرب كالمعتاد.\n"
          "الأشعة المقطعية بالصبغة: لا تأكل شيئاً قبل الفحص بأربع ساعات، ويمكنك شرب الماء.\n"
          "انزع الأجسام المعدنية قبل الفحص: المجوهرات ودبابيس الشعر وحمالات الصدر ذات الأسلاك والأحزمة والمفاتيح "
          "والهاتف.\n"
          "أحضر جواز سفرك وأي صور أشعة أو تقارير سابقة للصدر. أخبر الطاقم إذا كان هناك احتمال حمل، أو إذا كانت "
          "لديك حساسية من الصبغة أو مرض في الكلى.",
}

CHECKUP_DESCRIPTION = {
    "en": "A morning of examinations with a coordinator at your side: blood tests, ultrasound, ECG, chest X-ray, "
          "an eye examination, and a doctor who explains the results.",
    "zh-hans": "由协调员全程陪同的半日体检：血液检查、超声、心电图、胸部X线、眼科检查，并由医生解读结果。",
    "ru": "Утро обследований в сопровождении координатора: анализы крови, УЗИ, ЭКГ, рентгенография грудной "
          "клетки, осмотр офтальмолога и заключение врача с разъяснением результатов.",
    "mn": "Зохицуулагч тань үргэлж хамт байх хагас өдрийн үзлэг: цусны шинжилгээ, хэт авиан шинжилгээ, зүрхний "
          "цахилгаан бичлэг, цээжний рентген, нүдний үзлэг, эцэст нь эмч үр дүнг тайлбарлана.",
    "ar": "صباح من الفحوصات برفقة منسق طوال الوقت: تحاليل الدم، والموجات فوق الصوتية، وتخطيط القلب، وأشعة "
          "الصدر السينية، وفحص العيون، ثم طبيب يشرح لك النتائج.",
}

CHECKUP_PREPARATION = {
    "en": "Do not eat for 8 hours before the blood draw (usually from 10 pm the evening before); you may drink a "
          "little water.\n"
          "Take your usual medicines with a sip of water unless your doctor said otherwise; do not take diabetes "
          "medicines that morning, bring them with you.\n"
          "Avoid alcohol and fatty food the day before.\n"
          "Wear loose, comfortable clothes without metal and leave jewellery at home.\n"
          "Bring your passport, your glasses or contact-lens case, and any previous reports.\n"
          "Women: tell us if you are or may be pregnant; the X-ray and ultrasound are then adjusted.",
    "zh-hans": "抽血前需空腹8小时（通常从前一晚22:00起），可少量饮水。\n"
               "常规药物可用少量清水送服，医生另有嘱咐的除外；当天早上请勿服用降糖药，请随身携带。\n"
               "检查前一天请勿饮酒，避免油腻饮食。\n"
               "请穿宽松舒适、无金属的衣物，首饰请留在家中。\n"
               "请携带护照、眼镜或隐形眼镜盒及既往检查报告。\n"
               "女士如已怀孕或可能怀孕，请告知我们，X线和超声检查将相应调整。",
    "ru": "Не ешьте 8 часов до сдачи крови (обычно с 22:00 накануне); немного воды пить можно.\n"
          "Обычные лекарства примите с глотком воды, если врач не сказал иначе; лекарства от диабета утром не "
          "принимайте, а возьмите с собой.\n"
          "Накануне откажитесь от алкоголя и жирной пищи.\n"
          "Наденьте свободную удобную одежду без металла, украшения оставьте дома.\n"
          "Возьмите паспорт, очки или футляр для контактных линз и прежние заключения.\n"
          "Женщинам: сообщите, если вы беременны или можете быть беременны, — рентген и УЗИ проведут с учётом "
          "этого.",
    "mn": "Цус өгөхөөс 8 цагийн өмнө хоол идэхгүй байна уу (ихэвчлэн өмнөх орой 22:00 цагаас); бага зэрэг ус "
          "ууж болно.\n"
          "Эмч өөрөөр заагаагүй бол байнга уудаг эмээ бага зэрэг устай ууна уу; чихрийн шижингийн эмээ тэр өглөө "
          "уулгүй, биедээ авч ирнэ үү.\n"
          "Өмнөх өдөр нь архи, тослог хоол хэрэглэхгүй байна уу.\n"
          "Металлгүй, сул, эвтэйхэн хувцас өмсөж, гоёл чимэглэлээ гэртээ үлдээнэ үү.\n"
          "Паспорт, нүдний шил эсвэл линзний сав, өмнөх шинжилгээний дүгнэлтээ авчирна уу.\n"
          "Эмэгтэйчүүд: жирэмсэн эсвэл жирэмсэн байж магадгүй бол бидэнд хэлнэ үү — рентген болон хэт авиан "
          "шинжилгээг үүнд тохируулна.",
    "ar": "لا تأكل شيئاً لمدة 8 ساعات قبل سحب الدم (عادةً من الساعة العاشرة مساءً في الليلة السابقة)، ويمكنك شرب "
          "القليل من الماء.\n"
          "تناول أدويتك المعتادة مع رشفة ماء ما لم يطلب طبيبك غير ذلك، أما أدوية السكري فلا تتناولها ذلك الصباح "
          "بل أحضرها معك.\n"
          "تجنّب الكحول والأطعمة الدسمة في اليوم السابق.\n"
          "ارتدِ ملابس فضفاضة ومريحة خالية من المعادن، واترك المجوهرات في المنزل.\n"
          "أحضر جواز سفرك ونظارتك أو علبة العدسات اللاصقة وأي تقارير سابقة.\n"
          "للنساء: أخبرينا إذا كنتِ حاملاً أو يُحتمل أن تكوني حاملاً، ليُعدَّل فحص الأشعة السينية والموجات فوق "
          "الصوتية وفقاً لذلك.",
}

CHECKUP_STATIONS = [
    # order, area, minutes, capacity, names (en first)
    (1, A.GENERAL, 10, 3, {"en": "Registration and check-in", "zh-hans": "登记报到", "ru": "Регистрация",
                           "mn": "Бүртгэл", "ar": "التسجيل والاستقبال"}),
    (2, A.GENERAL, 10, 4, {"en": "Blood draw (fasting)", "zh-hans": "抽血（空腹）", "ru": "Забор крови (натощак)",
                           "mn": "Цус авах (өлөн үед)", "ar": "سحب الدم (على الريق)"}),
    (3, A.FEMALE, 20, 2, {"en": "Ultrasound – women's area", "zh-hans": "超声检查（女宾区）",
                          "ru": "УЗИ – женская зона", "mn": "Хэт авиан шинжилгээ – эмэгтэйчүүдийн хэсэг",
                          "ar": "الموجات فوق الصوتية – قسم النساء"}),
    (4, A.MALE, 20, 2, {"en": "Ultrasound – men's area", "zh-hans": "超声检查（男宾区）",
                        "ru": "УЗИ – мужская зона", "mn": "Хэт авиан шинжилгээ – эрэгтэйчүүдийн хэсэг",
                        "ar": "الموجات فوق الصوتية – قسم الرجال"}),
    (5, A.GENERAL, 10, 2, {"en": "ECG", "zh-hans": "心电图", "ru": "ЭКГ", "mn": "Зүрхний цахилгаан бичлэг",
                           "ar": "تخطيط القلب الكهربائي"}),
    (6, A.GENERAL, 10, 1, {"en": "Chest X-ray", "zh-hans": "胸部X线", "ru": "Рентгенография грудной клетки",
                           "mn": "Цээжний рентген", "ar": "الأشعة السينية للصدر"}),
    (7, A.GENERAL, 15, 2, {"en": "Eye examination", "zh-hans": "眼科检查", "ru": "Осмотр офтальмолога",
                           "mn": "Нүдний үзлэг", "ar": "فحص العيون"}),
    (8, A.GENERAL, 20, 2, {"en": "Doctor's summary of the results", "zh-hans": "医生总检与结果解读",
                           "ru": "Заключение врача по результатам", "mn": "Эмчийн дүгнэлт, үр дүнгийн тайлбар",
                           "ar": "ملخص الطبيب وشرح النتائج"}),
]

TCM_PREPARATION = (
    "Wear loose clothes that leave the neck, shoulders and back easy to uncover. Have a light meal 1–2 hours "
    "before; do not come hungry or straight after a large meal. Tell the doctor if you take blood thinners, "
    "have a skin condition or may be pregnant."
)

SERVICES = [
    # code, kind, department, minutes, price Haikou, price Chongqing, names, description (en), preparation
    ("consult-international", K.INTERNATIONAL_CLINIC, "international", 30, "600", "500",
     {"en": "International special clinic consultation", "zh-hans": "国际特需门诊",
      "ru": "Консультация в международной клинике", "mn": "Олон улсын тусгай эмнэлгийн үзлэг",
      "ar": "استشارة في العيادة الدولية الخاصة"},
     "An unhurried consultation with a senior doctor, in your language (with an interpreter or a doctor who "
     "speaks it); a coordinator guides you through tests and payment.",
     {"en": "Bring your passport, insurance card, previous reports and scans, and a list of the medicines you "
            "take."}),
    ("consult-paediatric-respiratory", K.CONSULTATION, "paediatrics-respiratory", 20, "300", "260",
     {"en": "Paediatric respiratory consultation", "zh-hans": "儿科呼吸专科门诊",
      "ru": "Консультация детского пульмонолога", "mn": "Хүүхдийн амьсгалын замын эмчийн үзлэг",
      "ar": "استشارة طب الأطفال لأمراض الجهاز التنفسي"},
     "Coughs, wheezing, pneumonia and follow-up after oxygen treatment, for babies and children.",
     {"en": "Bring the child's passport, vaccination record, discharge summaries and any chest X-ray or CT "
            "images. If the child uses oxygen, a pulse oximeter or an inhaler at home, bring it."}),
    ("consult-thyroid", K.CONSULTATION, "endocrinology-thyroid", 20, "400", "350",
     {"en": "Thyroid surgery consultation", "zh-hans": "甲状腺外科门诊",
      "ru": "Консультация хирурга по щитовидной железе", "mn": "Бамбай булчирхайн мэс заслын эмчийн үзлэг",
      "ar": "استشارة جراحة الغدة الدرقية"},
     "Thyroid nodules and goitre: whether an operation is needed, and which one.",
     {"en": "Bring previous thyroid ultrasound reports and images, thyroid blood tests (TSH, FT3, FT4) and any "
            "biopsy (FNA) results."}),
    ("chest-ct", K.IMAGING, "radiology", 15, "680", "580",
     {"en": "Chest CT", "zh-hans": "胸部CT", "ru": "КТ органов грудной клетки",
      "mn": "Цээжний компьютер томографи (КТ)", "ar": "الأشعة المقطعية للصدر"},
     "Computed tomography of the lungs and chest; the report is ready the same day.",
     CHEST_CT_PREPARATION),
    ("ultrasound-thyroid", K.IMAGING, "radiology", 20, "280", "240",
     {"en": "Thyroid ultrasound", "zh-hans": "甲状腺超声", "ru": "УЗИ щитовидной железы",
      "mn": "Бамбай булчирхайн хэт авиан шинжилгээ", "ar": "الموجات فوق الصوتية للغدة الدرقية"},
     "Ultrasound of the thyroid and the lymph nodes of the neck.",
     {"en": "No fasting needed. Wear a top with an open neck and leave necklaces at home."}),
    ("lab-basic-blood", K.LAB_PANEL, "laboratory", 10, "350", "300",
     {"en": "Basic blood panel", "zh-hans": "基础血液检查", "ru": "Базовый анализ крови",
      "mn": "Цусны үндсэн шинжилгээ", "ar": "تحاليل الدم الأساسية"},
     "Complete blood count, liver and kidney function, fasting glucose and lipids.",
     {"en": "Do not eat for 8 hours before the blood draw; you may drink water. Take your usual medicines unless "
            "your doctor said otherwise."}),
    ("checkup-comprehensive", K.CHECKUP_PACKAGE, "international", 240, "3880", "3280",
     {"en": "Comprehensive health check-up", "zh-hans": "全面健康体检套餐",
      "ru": "Комплексное обследование (чек-ап)", "mn": "Эрүүл мэндийн иж бүрэн үзлэг",
      "ar": "الفحص الصحي الشامل"},
     CHECKUP_DESCRIPTION, CHECKUP_PREPARATION),
    ("tcm-neck-shoulder", K.TCM_PACKAGE, "tcm", 90, "680", "580",
     {"en": "Neck and shoulder relief", "zh-hans": "颈肩舒缓调理", "ru": "Снятие напряжения в шее и плечах",
      "mn": "Хүзүү, мөрний ядаргаа тайлах эмчилгээ", "ar": "تخفيف آلام الرقبة والكتفين"},
     "A TCM doctor's assessment, then acupuncture, tuina massage and cupping for a stiff neck and shoulders.",
     {"en": TCM_PREPARATION}),
    ("tcm-sports-recovery", K.TCM_PACKAGE, "tcm", 120, "880", "760",
     {"en": "Sports fatigue recovery", "zh-hans": "运动疲劳恢复", "ru": "Восстановление после спортивных нагрузок",
      "mn": "Спортын ядаргаа тайлах эмчилгээ", "ar": "التعافي من إرهاق الرياضة"},
     "Tuina massage, moxibustion and a herbal foot soak to ease tired muscles after sport or a long journey.",
     {"en": TCM_PREPARATION}),
]


def _translations(*fields):
    """Merge {field: {lang: text}} into the model's {lang: {field: text}}, leaving English in the fields."""
    merged = {}
    for name, by_language in fields:
        for language, text in by_language.items():
            if language != "en":
                merged.setdefault(language, {})[name] = text
    return merged


def catalog_load(hospital, *, price_column):
    """Create or refresh one hospital's departments, services and the check-up's stations."""
    departments = {}
    for code, (name, names) in DEPARTMENTS.items():
        departments[code], _ = Department.objects.update_or_create(
            hospital=hospital, code=code, defaults={"name": name, "translations": _translations(("name", names))})
    for code, kind, department, minutes, *prices, names, description, preparation in SERVICES:
        description = description if isinstance(description, dict) else {"en": description}
        service, _ = Service.objects.update_or_create(hospital=hospital, code=code, defaults={
            "kind": kind, "department": departments[department], "name": names["en"],
            "description": description["en"], "preparation": preparation["en"], "duration_minutes": minutes,
            "price": Decimal(prices[price_column]), "is_active": True,
            "translations": _translations(("name", names), ("description", description),
                                          ("preparation", preparation)),
        })
        if kind == K.CHECKUP_PACKAGE:
            for order, area, station_minutes, capacity, station_names in CHECKUP_STATIONS:
                PackageStation.objects.update_or_create(package=service, order=order, defaults={
                    "name": station_names["en"], "area": area, "duration_minutes": station_minutes,
                    "capacity": capacity, "translations": _translations(("name", station_names))})
            service.stations.filter(order__gt=len(CHECKUP_STATIONS)).delete()


@receiver(demo_data_requested)
def demo_catalog_load(sender, organisations, users, **kwargs):
    """Load the demo hospitals' catalogs and the sample exchange rates (refreshing, never duplicating)."""
    for column, slug in enumerate(HOSPITALS):
        if slug in organisations:
            catalog_load(organisations[slug], price_column=column)
    exchange_rates_import(content=ECB_SAMPLE.read_bytes(), filename=ECB_SAMPLE.name, source="ECB")
    exchange_rates_import(content=MANUAL_SAMPLE.read_bytes(), filename=MANUAL_SAMPLE.name, source="manual",
                          imported_by=users.get("cashier@haikou.demo"))
