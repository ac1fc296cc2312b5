"""Referrals between hospitals on the platform, with the patient's records attached only with consent."""
