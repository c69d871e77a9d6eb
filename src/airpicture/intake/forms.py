"""The report form in Belarusian, Russian, Ukrainian and English: plain HTML, no JavaScript, no outside
resources (Tor Browser at its safest level). Pages never contain anything the reporter submitted: errors
name the field and what is expected, never the value.
"""

from __future__ import annotations

from html import escape

from airpicture.model.reports import HowKnown, ReportCategory

LANGUAGES = ("be", "ru", "uk", "en")
MAP_BBOX = (23.0, 51.0, 33.0, 56.5)  # lon_min, lat_min, lon_max, lat_max: data/map.svg's data-bbox (and map.png)
MAP_SIZE_PX = (800, 600)

_T: dict[str, dict[str, str]] = {
    "title": {"be": "Паведаміць, што вы бачылі", "ru": "Сообщить, что вы видели", "uk": "Повідомити, що ви бачили",
              "en": "Report what you saw"},
    "intro": {
        "be": "Паведамленне шыфруецца адразу на серверы; сервер не можа яго прачытаць і не ведае, хто вы.",
        "ru": "Сообщение шифруется сразу на сервере; сервер не может его прочитать и не знает, кто вы.",
        "uk": "Повідомлення шифрується одразу на сервері; сервер не може його прочитати і не знає, хто ви.",
        "en": "Your report is encrypted on arrival; this server cannot read it and does not know who you are.",
    },
    "token": {"be": "Ваша кодавае імя", "ru": "Ваше кодовое имя", "uk": "Ваше кодове ім'я", "en": "Your codename"},
    "new_token": {"be": "Атрымаць новае кодавае імя", "ru": "Получить новое кодовое имя",
                  "uk": "Отримати нове кодове ім'я", "en": "Get a new codename"},
    "token_shown": {
        "be": "Запішыце яго: яно паказваецца адзін раз і не можа быць адноўлена.",
        "ru": "Запишите его: оно показывается один раз и не может быть восстановлено.",
        "uk": "Запишіть його: воно показується один раз і не може бути відновлене.",
        "en": "Write it down: it is shown once and cannot be recovered.",
    },
    "what": {"be": "Што вы бачылі", "ru": "Что вы видели", "uk": "Що ви бачили", "en": "What you saw"},
    "when": {"be": "Калі (дата, час, зона)", "ru": "Когда (дата, время, пояс)", "uk": "Коли (дата, час, пояс)",
             "en": "When (date, time, zone)"},
    "time_precision": {"be": "Наколькі дакладна (± хвілін)", "ru": "Насколько точно (± минут)",
                       "uk": "Наскільки точно (± хвилин)", "en": "How exact (± minutes)"},
    "where": {"be": "Дзе: назва месца", "ru": "Где: название места", "uk": "Де: назва місця",
              "en": "Where: a place name"},
    "coords": {"be": "або каардынаты (шырата, даўгата)", "ru": "или координаты (широта, долгота)",
               "uk": "або координати (широта, довгота)", "en": "or coordinates (latitude, longitude)"},
    "place_precision": {"be": "Наколькі дакладна (± км)", "ru": "Насколько точно (± км)",
                        "uk": "Наскільки точно (± км)", "en": "How exact (± km)"},
    "how": {"be": "Адкуль вы ведаеце", "ru": "Откуда вы знаете", "uk": "Звідки ви знаєте", "en": "How you know"},
    "text": {"be": "Што адбылося, сваімі словамі", "ru": "Что произошло, своими словами",
             "uk": "Що сталося, своїми словами", "en": "What happened, in your words"},
    "photos": {"be": "Фота (неабавязкова; метаданыя выдаляюцца)", "ru": "Фото (необязательно; метаданные удаляются)",
               "uk": "Фото (необов'язково; метадані видаляються)", "en": "Photos (optional; metadata is removed)"},
    "send": {"be": "Адправіць", "ru": "Отправить", "uk": "Надіслати", "en": "Send"},
    "map": {
        "be": "Або запоўніце ўсё астатняе і націсніце на месца на карце: гэта адправіць паведамленне з гэтым пунктам.",
        "ru": "Или заполните всё остальное и нажмите на место на карте: это отправит сообщение с этой точкой.",
        "uk": "Або заповніть усе інше і натисніть на місце на мапі: це надішле повідомлення з цією точкою.",
        "en": "Or fill in everything else and click the place on the map: that sends the report with that point.",
    },
    "thanks": {"be": "Дзякуй. Паведамленне зашыфравана і захавана.",
               "ru": "Спасибо. Сообщение зашифровано и сохранено.",
               "uk": "Дякуємо. Повідомлення зашифроване і збережене.",
               "en": "Thank you. Your report is sealed and stored."},
    "back": {"be": "Назад", "ru": "Назад", "uk": "Назад", "en": "Back"},
    "err_401": {"be": "Невядомае кодавае імя.", "ru": "Неизвестное кодовое имя.", "uk": "Невідоме кодове ім'я.",
                "en": "Unknown codename."},
    "err_413": {"be": "Занадта вялікі файл.", "ru": "Слишком большой файл.", "uk": "Завеликий файл.",
                "en": "Too large."},
    "err_422": {"be": "Праверце поле:", "ru": "Проверьте поле:", "uk": "Перевірте поле:", "en": "Please check:"},
    "err_429": {"be": "Занадта шмат паведамленняў, паспрабуйце пазней.",
                "ru": "Слишком много сообщений, попробуйте позже.",
                "uk": "Забагато повідомлень, спробуйте пізніше.", "en": "Too many reports; try again later."},
}  # fmt: skip

CATEGORY_LABELS: dict[ReportCategory, dict[str, str]] = {
    ReportCategory.FIXED_WING: {"be": "самалёт", "ru": "самолёт", "uk": "літак", "en": "aircraft (fixed-wing)"},
    ReportCategory.HELICOPTER: {"be": "верталёт", "ru": "вертолёт", "uk": "гелікоптер", "en": "helicopter"},
    ReportCategory.DRONE: {"be": "дрон", "ru": "дрон", "uk": "дрон", "en": "drone"},
    ReportCategory.MISSILE_LAUNCH: {"be": "пуск ракеты", "ru": "пуск ракеты", "uk": "пуск ракети",
                                    "en": "missile launch"},
    ReportCategory.EXPLOSION: {"be": "выбух", "ru": "взрыв", "uk": "вибух", "en": "explosion"},
    ReportCategory.MILITARY_VEHICLES: {"be": "вайсковая тэхніка", "ru": "военная техника", "uk": "військова техніка",
                                       "en": "military vehicles"},
    ReportCategory.AIRFIELD_ACTIVITY: {"be": "рух на аэрадроме", "ru": "активность на аэродроме",
                                       "uk": "активність на аеродромі", "en": "airfield activity"},
    ReportCategory.AIRSPACE_CLOSURE: {"be": "закрыццё неба", "ru": "закрытие неба", "uk": "закриття неба",
                                      "en": "airspace closure"},
    ReportCategory.OTHER: {"be": "іншае", "ru": "другое", "uk": "інше", "en": "other"},
}  # fmt: skip

HOW_LABELS: dict[HowKnown, dict[str, str]] = {
    HowKnown.DIRECT: {"be": "бачыў(ла) сам(а)", "ru": "видел(а) сам(а)", "uk": "бачив(ла) сам(а)", "en": "I saw it"},
    HowKnown.SENSOR: {"be": "па прыборы", "ru": "по прибору", "uk": "за приладом", "en": "an instrument"},
    HowKnown.DOCUMENT: {"be": "з дакумента", "ru": "из документа", "uk": "з документа", "en": "a document"},
    HowKnown.SECOND_HAND: {"be": "ад іншага чалавека", "ru": "от другого человека", "uk": "від іншої людини",
                           "en": "someone told me"},
}  # fmt: skip

FIELD_LABELS = {"token": "token", "category": "what", "observed_at": "when", "date": "when", "time": "when",
                "utc_offset": "when", "time_precision_min": "time_precision", "place_name": "where",
                "lat_deg": "coords", "lon_deg": "coords", "map": "coords", "place_precision_km": "place_precision",
                "how_known": "how", "text": "text", "photos": "photos"}  # fmt: skip


def text(key: str, lang: str) -> str:
    return _T[key][lang if lang in LANGUAGES else "en"]


def _page(lang: str, body: str) -> str:
    links = " · ".join(f'<a href="/{code}">{code}</a>' for code in LANGUAGES)
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="referrer" content="no-referrer">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(text('title', lang))}</title>"
        "<style>body{font-family:sans-serif;max-width:52em;margin:1em auto;padding:0 1em}"
        "label{display:block;margin-top:.8em;font-weight:bold}input,select,textarea{font-size:1em}"
        "textarea{width:100%}</style></head>"
        f"<body><nav>{links}</nav>{body}</body></html>"
    )


def _options(pairs: list[tuple[str, str]], selected: str) -> str:
    return "".join(
        f'<option value="{escape(v)}"{" selected" if v == selected else ""}>{escape(label)}</option>'
        for v, label in pairs
    )


def render_form(lang: str) -> str:
    """The empty report form (it never carries earlier input back)."""

    def t(key: str) -> str:
        return escape(text(key, lang))

    categories = _options([(c.value, CATEGORY_LABELS[c][lang]) for c in ReportCategory], "")
    hows = _options([(h.value, HOW_LABELS[h][lang]) for h in HowKnown], HowKnown.DIRECT.value)
    offsets = _options([(f"+0{h}:00", f"UTC+{h}") for h in (3, 2, 1, 0)], "+03:00")
    minutes = _options([(str(m), f"± {m}") for m in (5, 15, 60, 180, 720)], "15")
    kms = _options([(f"{k:g}", f"± {k:g} km") for k in (0.1, 1, 5, 25, 100)], "5")
    body = (
        f"<h1>{t('title')}</h1><p>{t('intro')}</p>"
        f'<form method="post" action="/{lang}/token"><button type="submit">{t("new_token")}</button></form>'
        f'<form method="post" action="/{lang}/report" enctype="multipart/form-data">'
        f'<label for="token">{t("token")}</label><input id="token" name="token" required autocomplete="off">'
        f'<label for="category">{t("what")}</label><select id="category" name="category">{categories}</select>'
        f'<label for="date">{t("when")}</label><input id="date" name="date" type="date" required> '
        f'<input name="time" type="time"> <select name="utc_offset">{offsets}</select>'
        f'<label for="tp">{t("time_precision")}</label><select id="tp" name="time_precision_min">{minutes}</select>'
        f'<label for="place">{t("where")}</label><input id="place" name="place_name" maxlength="200">'
        f'<label for="lat">{t("coords")}</label><input id="lat" name="lat_deg" inputmode="decimal" size="10"> '
        f'<input name="lon_deg" inputmode="decimal" size="10">'
        f'<label for="pp">{t("place_precision")}</label><select id="pp" name="place_precision_km">{kms}</select>'
        f'<label for="how">{t("how")}</label><select id="how" name="how_known">{hows}</select>'
        f'<label for="text">{t("text")}</label><textarea id="text" name="text" rows="6" maxlength="10000"></textarea>'
        f'<label for="photos">{t("photos")}</label>'
        '<input id="photos" name="photos" type="file" multiple accept="image/jpeg,image/png,image/webp">'
        f'<p><button type="submit">{t("send")}</button></p>'
        f"<p>{t('map')}</p>"
        f'<input type="image" name="map" src="/map.png" width="{MAP_SIZE_PX[0]}" height="{MAP_SIZE_PX[1]}" '
        'alt="map" style="max-width:100%;height:auto">'
        "</form>"
    )
    return _page(lang, body)


def render_message(lang: str, key: str, fields: tuple[str, ...] = ()) -> str:
    """A result or error page: a fixed sentence and, for 422, the labels of the fields to check."""
    detail = ""
    if fields:
        labels = sorted({text(FIELD_LABELS.get(f, "text"), lang) for f in fields})
        detail = "<ul>" + "".join(f"<li>{escape(label)}</li>" for label in labels) + "</ul>"
    return _page(
        lang, f"<p>{escape(text(key, lang))}</p>{detail}<p><a href='/{lang}'>{escape(text('back', lang))}</a></p>"
    )


def render_token(lang: str, token: str) -> str:
    """The one page that shows a codename: the new one, to its new holder."""
    return _page(
        lang,
        f"<p>{escape(text('token', lang))}:</p><p><code style='font-size:1.6em'>{escape(token)}</code></p>"
        f"<p>{escape(text('token_shown', lang))}</p><p><a href='/{lang}'>{escape(text('back', lang))}</a></p>",
    )


def map_point(x_px: float, y_px: float) -> tuple[float, float]:
    """The (lat, lon) of a click on the map image."""
    lon_min, lat_min, lon_max, lat_max = MAP_BBOX
    width, height = MAP_SIZE_PX
    return lat_max - y_px / height * (lat_max - lat_min), lon_min + x_px / width * (lon_max - lon_min)


__all__ = ["LANGUAGES", "map_point", "render_form", "render_message", "render_token"]
