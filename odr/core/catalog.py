"""Finding the message catalogs under the names everyone uses: odr/translations/zh_CN/, en/.

Babel expands "zh_CN" to zh_Hans_CN (it adds the script), and gettext then looks only in folders
named zh_Hans_CN and zh, so the zh_CN catalog was never found and Chinese pages came out in
English. This domain also looks for language_territory. (A known Babel/Flask-Babel trap:
ckan/ckan#4413 renamed its folders instead; translators and tools keep calling it zh_CN.)
"""

from __future__ import annotations

from babel import support
from flask_babel import Domain, get_locale


class CatalogDomain(Domain):
    def get_translations(self):
        locale = get_locale()
        if locale is None or not (locale.script and locale.territory):
            return super().get_translations()
        cache = self.get_translations_cache(None)
        key = (str(locale), self.domain[0])
        if key not in cache:
            names = [str(locale), f"{locale.language}_{locale.territory}"]
            translations = support.Translations()
            for dirname in self.translation_directories:
                catalog = support.Translations.load(dirname, names, self.domain[0])
                translations.merge(catalog)
                if hasattr(catalog, "plural"):
                    translations.plural = catalog.plural
            cache[key] = translations
        return cache[key]


def install(babel) -> None:
    """Make `babel` (the Flask-Babel extension) look up catalogs through CatalogDomain."""
    babel.domain_instance = CatalogDomain()
