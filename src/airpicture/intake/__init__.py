"""The observer intake server: a separate small application, process and database.

People report what they see through a no-JavaScript form (Belarusian, Russian, Ukrainian, English) or a
JSON API; every report is sealed on arrival to the analyst's public key (:mod:`.sealing`), so the server
stores only ciphertext it cannot read, a keyed hash per reporter token and a rate-limit counter, with
day-bucket times and random ids. The analyst pulls sealed batches and decrypts them off the server
(``airpicture intake pull``, in ``pipeline/intake_pull.py``). This package imports ``airpicture.model``
and the metadata stripping of ``sources/report_media.py`` only — never the workspace (an import-linter
contract holds it). Threat model: ``docs/security/intake.md``.
"""
