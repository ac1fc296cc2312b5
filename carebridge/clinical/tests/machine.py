"""A machine-translation backend for tests: it 'translates' by tagging the text with the target language."""

from carebridge.clinical.forms import MachineTranslator


class TaggingTranslator(MachineTranslator):
    def translate(self, text, *, source_language, target_language):
        return f"[{target_language}] {text}"
