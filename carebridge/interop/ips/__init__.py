"""The International Patient Summary (HL7 IPS): export as a FHIR document Bundle, and import of one from abroad."""
