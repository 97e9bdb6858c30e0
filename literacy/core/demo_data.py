"""The demo city's fixed facts: a Yame-like municipality, its areas, venues, topics and name pools.

Only data lives here; `demo_seed.py` turns it into rows. Addresses, populations and phone
exchanges are plausible, not official: this is a demonstration, not a copy of the city's records.
"""

import datetime as dt

MUNICIPALITY = {
    "jis_code": "402109",
    "slug": "yame",
    "name": "八女市",
    "name_en": "Yame",
    "program_name": "やめスマホ相談",
    "program_phone": "0943-23-1187",
    "coordinator_phone": "0943-23-1192",
    "timezone": "Asia/Tokyo",
    "lesson_minutes": 60,
    "min_notice_hours": 3,
}

# (name, kana, English, senior population). About 58,000 residents, roughly a third aged 65+;
# the mountain villages are small and older.
DISTRICTS = [
    ("旧八女市", "きゅうやめし", "Central Yame", 10900),
    ("上陽", "じょうよう", "Joyo", 1250),
    ("黒木", "くろぎ", "Kurogi", 3600),
    ("立花", "たちばな", "Tachibana", 3150),
    ("星野", "ほしの", "Hoshino", 1100),
    ("矢部", "やべ", "Yabe", 480),
]

# Landline exchanges (the digits after 0943) per area, so a learner's number looks local.
LANDLINE_EXCHANGES = {
    "旧八女市": ["22", "23", "24", "25", "30"],
    "上陽": ["54"],
    "黒木": ["42"],
    "立花": ["37", "35"],
    "星野": ["52"],
    "矢部": ["47"],
}

T = dt.time
# Opening-hours profiles: weekday (Monday = 0) -> list of (opens, closes).
OFFICE_HOURS = {day: [(T(8, 30), T(17, 15))] for day in range(5)}
LIBRARY_HOURS = {day: [(T(10, 0), T(18, 0))] for day in range(1, 7)}  # closed on Mondays
COMMUNITY_HOURS = {**{day: [(T(9, 0), T(21, 0))] for day in range(6)}, 6: [(T(9, 0), T(17, 0))]}
SMALL_COMMUNITY_HOURS = {day: [(T(9, 0), T(17, 0))] for day in range(6)}

ACCESSIBLE = "車いす対応トイレあり。正面入口はスロープ、2階へはエレベーターがあります。"
STEP_FREE = "入口に段差なし。会場は1階です。貸し出し用の車いすがあります。"
HEARING_LOOP = "受付に筆談ボードと磁気ループがあります。"

# (name, kana, English, district, kind, address, capacity, hours, opens on holidays,
#  accessibility, access)
VENUES = [
    ("八女市役所", "やめしやくしょ", "Yame City Hall", "旧八女市", "city_office",
     "福岡県八女市本町647", 20, OFFICE_HOURS, False, ACCESSIBLE + HEARING_LOOP,
     "堀川バス「八女市役所前」下車すぐ。来庁者用駐車場あり。"),
    ("八女市立図書館", "やめしりつとしょかん", "Yame City Library", "旧八女市", "library",
     "福岡県八女市本町602-1", 12, LIBRARY_HOURS, True, ACCESSIBLE,
     "おりなす八女内。堀川バス「福島」下車 徒歩3分。無料駐車場あり。"),
    ("八女市中央公民館", "やめしちゅうおうこうみんかん", "Yame Central Community Centre", "旧八女市",
     "community_centre", "福岡県八女市本町2-123", 30, COMMUNITY_HOURS, True, ACCESSIBLE + HEARING_LOOP,
     "堀川バス「福島」下車 徒歩5分。駐車場60台。"),
    ("岡山コミュニティセンター", "おかやまこみゅにてぃせんたー", "Okayama Community Centre", "旧八女市",
     "community_centre", "福岡県八女市本村425-1", 16, SMALL_COMMUNITY_HOURS, False, STEP_FREE,
     "予約型乗合タクシー「岡山公民館前」下車すぐ。"),
    ("上陽支所", "じょうようししょ", "Joyo Branch Office", "上陽", "branch_office",
     "福岡県八女市上陽町北川内201", 10, OFFICE_HOURS, False, STEP_FREE,
     "堀川バス「上陽支所前」下車すぐ。"),
    ("黒木支所", "くろぎししょ", "Kurogi Branch Office", "黒木", "branch_office",
     "福岡県八女市黒木町今1314-1", 12, OFFICE_HOURS, False, ACCESSIBLE,
     "堀川バス「黒木」下車 徒歩2分。"),
    ("八女市立図書館 黒木分館", "やめしりつとしょかん くろぎぶんかん", "Kurogi Branch Library", "黒木",
     "library", "福岡県八女市黒木町今1390", 8, LIBRARY_HOURS, True, STEP_FREE,
     "黒木支所の隣。駐車場は支所と共用です。"),
    ("立花支所", "たちばなししょ", "Tachibana Branch Office", "立花", "branch_office",
     "福岡県八女市立花町原島101", 12, OFFICE_HOURS, False, ACCESSIBLE,
     "堀川バス「立花支所前」下車すぐ。"),
    ("立花ふれあい公民館", "たちばなふれあいこうみんかん", "Tachibana Community Centre", "立花",
     "community_centre", "福岡県八女市立花町谷川1088", 20, COMMUNITY_HOURS, False, STEP_FREE + HEARING_LOOP,
     "駐車場30台。送迎のご相談は支所まで。"),
    ("星野支所", "ほしのししょ", "Hoshino Branch Office", "星野", "branch_office",
     "福岡県八女市星野村10780", 8, OFFICE_HOURS, False, STEP_FREE,
     "予約型乗合タクシーをご利用ください。"),
    ("矢部支所", "やべししょ", "Yabe Branch Office", "矢部", "branch_office",
     "福岡県八女市矢部村北矢部10528-1", 8, OFFICE_HOURS, False, STEP_FREE,
     "予約型乗合タクシーをご利用ください。訪問での相談もできます。"),
]

# (slug, name, kana, English, icon, skills): the national standard themes plus what Yame's
# seniors ask for most. The skills are the checklist a volunteer ticks after a lesson.
TOPICS = [
    ("phone-basics", "スマホの基本操作", "すまほのきほんそうさ", "Smartphone basics", "📱",
     ["電源を入れる・切る", "画面のロックを解除する", "文字を入力する", "文字の大きさと音量を変える",
      "アプリを開いて閉じる"]),
    ("calls-camera", "電話・カメラ", "でんわ・かめら", "Calls and camera", "📷",
     ["電話をかける・受ける", "連絡先を登録する", "写真を撮る", "動画を撮る"]),
    ("internet", "インターネット検索", "いんたーねっとけんさく", "Searching the internet", "🔍",
     ["調べたい言葉で検索する", "声で検索する", "ホームページの文字を大きくする"]),
    ("maps", "地図アプリ", "ちずあぷり", "Maps", "🗺️",
     ["現在地を表示する", "目的地までの道順を調べる", "バスの時刻を調べる"]),
    ("line", "LINEの使い方", "らいんのつかいかた", "Using LINE", "💬",
     ["友だちを追加する", "メッセージを送る", "スタンプを送る", "写真を送る", "無料通話をかける"]),
    ("my-number-card", "マイナンバーカードの申請", "まいなんばーかーどのしんせい",
     "Applying for a My Number card", "🪪",
     ["申請書のQRコードを読み取る", "顔写真を撮る", "申請を送信する"]),
    ("mynaportal", "マイナポータル・マイナ保険証", "まいなぽーたる・まいなほけんしょう",
     "Mynaportal and the card as health-insurance card", "🏥",
     ["マイナポータルにログインする", "健康保険証の利用登録をする", "お薬の情報を見る",
      "暗証番号を安全に管理する"]),
    ("e-tax", "e-Tax（確定申告）", "いーたっくす（かくていしんこく）", "e-Tax (tax return)", "🧾",
     ["確定申告書等作成コーナーを開く", "医療費控除を入力する", "マイナンバーカードで送信する"]),
    ("online-medical", "オンライン診療・予約", "おんらいんしんりょう・よやく",
     "Online medical appointments", "🩺",
     ["病院のネット予約をする", "予約を確認・変更する", "オンライン診療のアプリを使う"]),
    ("cashless", "キャッシュレス決済", "きゃっしゅれすけっさい", "Cashless payment", "💳",
     ["QRコード決済アプリを設定する", "お店で支払う", "残高を確認・チャージする", "利用履歴を確認する"]),
    ("video-call", "家族とビデオ通話", "かぞくとびでおつうわ", "Video calls with family", "📹",
     ["ビデオ通話をかける", "ビデオ通話を受ける", "カメラを切り替える"]),
    ("disaster-apps", "防災アプリ", "ぼうさいあぷり", "Disaster-alert apps", "🚨",
     ["防災アプリを入れる", "近くの避難所を調べる", "緊急速報の設定を確かめる", "災害用伝言板で無事を知らせる"]),
    ("photos", "写真の整理", "しゃしんのせいり", "Organising photos", "🖼️",
     ["写真を見返す・削除する", "アルバムを作る", "写真を家族と共有する"]),
    ("scam-awareness", "詐欺・迷惑メール対策", "さぎ・めいわくめーるたいさく", "Scam and spam awareness", "🛡️",
     ["怪しいメッセージを見分ける", "迷惑電話・迷惑メールを拒否する", "困ったときに消費者ホットライン188へ相談する"]),
]

# Group classes are themed; these are the titles a city would print in its newsletter.
GROUP_CLASS_TITLES = {
    "phone-basics": "はじめてのスマホ教室",
    "line": "LINEで家族とつながろう教室",
    "mynaportal": "マイナ保険証 使い方教室",
    "scam-awareness": "だまされない！詐欺対策講座",
    "disaster-apps": "もしもに備える防災アプリ講座",
    "cashless": "キャッシュレス決済 体験教室",
    "maps": "地図アプリでおでかけ講座",
}

# (kanji, kana) family names common in the Chikugo area.
FAMILY_NAMES = [
    ("田中", "たなか"), ("中島", "なかしま"), ("松尾", "まつお"), ("古賀", "こが"), ("井上", "いのうえ"),
    ("堤", "つつみ"), ("原", "はら"), ("平井", "ひらい"), ("江口", "えぐち"), ("馬場", "ばば"),
    ("木下", "きのした"), ("坂本", "さかもと"), ("野田", "のだ"), ("石橋", "いしばし"), ("吉田", "よしだ"),
    ("山口", "やまぐち"), ("森", "もり"), ("樋口", "ひぐち"), ("末次", "すえつぐ"), ("栗原", "くりはら"),
    ("牛島", "うしじま"), ("石井", "いしい"), ("近藤", "こんどう"), ("大坪", "おおつぼ"), ("城", "じょう"),
    ("椿原", "つばきはら"), ("甲斐田", "かいだ"), ("矢野", "やの"), ("秋山", "あきやま"), ("高山", "たかやま"),
    ("松延", "まつのぶ"), ("隈本", "くまもと"), ("鬼丸", "おにまる"), ("今村", "いまむら"), ("黒田", "くろだ"),
    ("藤木", "ふじき"), ("稲員", "いなかず"), ("内田", "うちだ"), ("川口", "かわぐち"), ("宮原", "みやはら"),
]

# Given names by generation: learners are mostly in their seventies and eighties.
SENIOR_WOMEN = [
    ("和子", "かずこ"), ("節子", "せつこ"), ("幸子", "さちこ"), ("久子", "ひさこ"), ("美代子", "みよこ"),
    ("千代子", "ちよこ"), ("照子", "てるこ"), ("トミ子", "とみこ"), ("恵子", "けいこ"), ("文子", "ふみこ"),
    ("キヨ子", "きよこ"), ("洋子", "ようこ"), ("昭子", "あきこ"), ("静江", "しずえ"), ("澄子", "すみこ"),
]
SENIOR_MEN = [
    ("清", "きよし"), ("勝", "まさる"), ("茂", "しげる"), ("博", "ひろし"), ("進", "すすむ"),
    ("正男", "まさお"), ("義雄", "よしお"), ("武", "たけし"), ("昭", "あきら"), ("実", "みのる"),
    ("一郎", "いちろう"), ("隆", "たかし"), ("弘", "ひろし"), ("幸男", "ゆきお"),
]
ADULT_NAMES = [
    ("陽子", "ようこ"), ("真由美", "まゆみ"), ("直美", "なおみ"), ("恵美", "えみ"), ("由美子", "ゆみこ"),
    ("智子", "ともこ"), ("健一", "けんいち"), ("浩二", "こうじ"), ("誠", "まこと"), ("哲也", "てつや"),
    ("聡", "さとし"), ("裕子", "ゆうこ"), ("美香", "みか"), ("康弘", "やすひろ"), ("淳", "じゅん"),
]
STUDENT_NAMES = [
    ("陽菜", "ひな"), ("結衣", "ゆい"), ("美咲", "みさき"), ("葵", "あおい"), ("大翔", "ひろと"),
    ("蓮", "れん"), ("悠真", "ゆうま"), ("颯太", "そうた"), ("さくら", "さくら"), ("翔", "しょう"),
]

PROXY_RELATIONS = ["長女", "長男", "次女", "次男", "孫", "長男の妻", "姪"]

# Weekly windows a volunteer might offer; each is kept only if the venue is open throughout.
AVAILABILITY_TEMPLATES = [
    (T(9, 30), T(11, 30)), (T(10, 0), T(12, 0)), (T(13, 0), T(16, 0)),
    (T(13, 30), T(15, 30)), (T(14, 0), T(17, 0)), (T(18, 0), T(20, 0)),
]

EXCEPTION_REASONS = ["旅行", "通院", "家族の用事", "地域の行事", "研修", "農作業の繁忙期"]

REPORT_NOTES = [
    "文字を大きくすると見やすいとのこと。次回も文字サイズから確認すると安心です。",
    "ゆっくり説明すれば一人でできます。メモを取りながら進めました。",
    "お孫さんとLINEでやりとりしたいそうです。次は写真の送り方を。",
    "パスワードを紙に控えてありました。保管場所を一緒に確認済みです。",
    "耳が少し遠いので、正面に座って話すと伝わりやすいです。",
    "操作はほぼ問題なし。ほかの方に教えるのも楽しそうでした。",
    "途中で疲れた様子でしたので、30分ほどで終えました。",
    "",
]
FOLLOW_UP_NOTES = [
    "マイナ保険証の登録が途中。支所の窓口で続きが必要です。",
    "機種変更を検討中。携帯ショップ職員のボランティアにつなぎたい。",
    "詐欺と思われるSMSを受け取っていた。家族にも共有をお願いしたい。",
]
PREFERENCE_NOTES = [
    "平日の午前中を希望", "来週の火曜か木曜の午後", "できれば女性のボランティアを希望",
    "家族が送迎できる土曜日", "なるべく早く", "自宅の近くの支所で",
]
CANCEL_REASONS = ["ボランティアの体調不良のため", "大雨警報のため中止", "会場の都合により中止"]
CLOSED_NO_SHOW_OUTCOMES = [
    "お電話で確認。体調不良のため欠席。次回を予約済み。",
    "日にちを勘違いされていた。翌週の同じ時間で予約し直し。",
    "ご家族から連絡あり。入院中のため落ち着いたら再度予約。",
]
