"""Realistic self-assessments for the benchmark, in the shape of devtools/sample.py's SELF_ASSESSMENT.

Each has 20 commitments with titles, full texts, narratives, milestones and evidence
links in a mix of ar / fr / en. Case i gets its own (member, cycle, plan number), so no
upload is a resubmission (a new version) of another one.
"""
import json

from devtools import sample

MEMBERS = (
    # code, kind, region, names
    ("TN", "national", "MENA", {"ar": "تونس", "fr": "Tunisie", "en": "Tunisia"}),
    ("MA", "national", "MENA", {"ar": "المغرب", "fr": "Maroc", "en": "Morocco"}),
    ("JO", "national", "MENA", {"ar": "الأردن", "en": "Jordan"}),
    ("SN", "national", "Africa", {"fr": "Sénégal", "en": "Senegal"}),
    ("CI", "national", "Africa", {"fr": "Côte d'Ivoire", "en": "Côte d'Ivoire"}),
    ("BF", "national", "Africa", {"fr": "Burkina Faso", "en": "Burkina Faso"}),
    ("FR", "national", "Europe", {"fr": "France", "en": "France"}),
    ("CA", "national", "Americas", {"en": "Canada", "fr": "Canada"}),
    ("KE", "national", "Africa", {"en": "Kenya"}),
    ("PH", "national", "Asia-Pacific", {"en": "Philippines"}),
    ("MA-BMK", "local", "MENA", {"ar": "بني ملال خنيفرة", "fr": "Béni Mellal-Khénifra"}),
    ("TN-TNS", "local", "MENA", {"ar": "تونس العاصمة", "fr": "Tunis"}),
    ("FR-PAR", "local", "Europe", {"fr": "Paris", "en": "Paris"}),
    ("CA-QC", "local", "Americas", {"fr": "Québec", "en": "Quebec"}),
    ("SN-DKR", "local", "Africa", {"fr": "Dakar", "en": "Dakar"}),
    ("JO-AMM", "local", "MENA", {"ar": "عمّان", "en": "Amman"}),
    ("KE-NBO", "local", "Africa", {"en": "Nairobi"}),
    ("PH-QZN", "local", "Asia-Pacific", {"en": "Quezon City"}),
    ("BF-OUA", "local", "Africa", {"fr": "Ouagadougou"}),
    ("CI-ABJ", "local", "Africa", {"fr": "Abidjan", "en": "Abidjan"}),
)

# (id, languages, affiliations, expertise): every language is read by at least three experts.
EXPERTS = (
    ("exp-bench-amina", ["ar", "fr"], ["MA"], ["MENA"]),
    ("exp-bench-salma", ["ar", "fr", "en"], ["TN"], ["MENA"]),
    ("exp-bench-karim", ["ar", "en"], [], ["MENA", "JO"]),
    ("exp-bench-aminata", ["fr", "en"], ["SN"], ["Africa"]),
    ("exp-bench-claire", ["fr", "en"], ["FR"], ["Europe", "Americas"]),
    ("exp-bench-james", ["en"], [], ["Africa", "Asia-Pacific"]),
    ("exp-bench-lina", ["ar", "fr", "en"], [], []),
    ("exp-bench-maria", ["en", "fr"], [], ["Asia-Pacific", "Americas"]),
)

TOPICS = (
    {"ar": "نشر بيانات الميزانية المفتوحة", "fr": "Publication des données budgétaires ouvertes", "en": "Open budget data"},
    {"ar": "إشراك المجتمع المدني في الصفقات العمومية", "fr": "Participation de la société civile aux marchés publics",
     "en": "Civil society participation in public procurement"},
    {"ar": "سجل المستفيدين الحقيقيين", "fr": "Registre des bénéficiaires effectifs", "en": "Beneficial ownership register"},
    {"ar": "الحق في النفاذ إلى المعلومة", "fr": "Droit d'accès à l'information", "en": "Right to information"},
    {"ar": "الشفافية في الصناعات الاستخراجية", "fr": "Transparence des industries extractives", "en": "Extractive industries transparency"},
    {"ar": "الميزانية التشاركية البلدية", "fr": "Budget participatif municipal", "en": "Municipal participatory budgeting"},
    {"ar": "حماية المبلغين عن الفساد", "fr": "Protection des lanceurs d'alerte", "en": "Whistleblower protection"},
    {"ar": "البيانات المفتوحة للصحة العمومية", "fr": "Données ouvertes de santé publique", "en": "Open public health data"},
    {"ar": "التصريح بالمكاسب والمصالح", "fr": "Déclaration de patrimoine et d'intérêts", "en": "Asset and interest declarations"},
    {"ar": "العدالة المنفتحة", "fr": "Justice ouverte", "en": "Open justice"},
)
FULL_TEXT = {
    "ar": "يلتزم الحكومة بنشر البيانات في صيغة مفتوحة وقابلة لإعادة الاستخدام، مع تحديثها كل ثلاثة أشهر "
          "وإشراك منظمات المجتمع المدني في متابعة التنفيذ. ",
    "fr": "Le gouvernement s'engage à publier les données dans un format ouvert et réutilisable, à les mettre à jour "
          "chaque trimestre et à associer les organisations de la société civile au suivi de la mise en œuvre. ",
    "en": "The government commits to publish the data in an open, reusable format, update it every quarter and "
          "involve civil society organisations in monitoring implementation. ",
}
NARRATIVE = {
    "ar": "تم نشر أول مجموعة من البيانات وعقدت ورشتا عمل مع المجتمع المدني.",
    "fr": "Un premier jeu de données a été publié et deux ateliers ont eu lieu avec la société civile.",
    "en": "A first dataset was published and two workshops were held with civil society.",
}
LANGUAGE_MIXES = (("ar", "fr"), ("fr",), ("en",), ("ar", "fr", "en"), ("ar", "en"), ("fr", "en"), ("ar",))
COMPLETIONS = ("not_started", "limited", "substantial", "complete", "no_evidence_available")
CYCLES = tuple(f"{start}-{start + 2}" for start in range(2011, 2026))  # 15 valid cycles
RATING_BODIES = tuple(sample.RATINGS.values())  # devtools/sample.py's three ratings, reused in turn


def _pick(text: dict, languages) -> dict:
    return {lang: text[lang] for lang in languages if lang in text}


def plan_of(index: int):
    """Case `index`'s (member, cycle, plan number): unique for the first 20 * 99 * 15 = 29,700 cases."""
    member = MEMBERS[index % len(MEMBERS)]
    rest = index // len(MEMBERS)
    plan_number = rest % 99 + 1
    cycle = CYCLES[(rest // 99) % len(CYCLES)]
    return member, cycle, plan_number


def self_assessment(index: int, commitments: int = 20) -> dict:
    member, cycle, plan_number = plan_of(index)
    code = member[0]
    body = {"member": code, "action_plan": {"cycle": cycle, "plan_number": plan_number}, "commitments": [],
            "co_creation": {
                "forum_meetings": [{"date": "2024-03-12", "summary": {"fr": "Réunion du forum multi-acteurs."}},
                                   {"date": "2024-09-18", "summary": {"ar": "اجتماع المنتدى متعدد الأطراف."}}],
                "civil_society_participation": {"fr": "Douze organisations ont pris part à la co-création.",
                                                "en": "Twelve organisations took part in co-creation."},
                "standards": {"space_for_dialogue": {"met": True}, "open_information": {"met": True},
                              "inclusive_participation": {"met": False, "narrative": {"en": "Rural groups were not reached."}}},
            }}
    for n in range(1, commitments + 1):
        languages = LANGUAGE_MIXES[(index + n) % len(LANGUAGE_MIXES)]
        topic = TOPICS[(index * 7 + n) % len(TOPICS)]
        commitment = {
            "commitment_id": f"{code}{plan_number:02d}{n:02d}",
            "number": n,
            "title": _pick(topic, languages),
            "full_text": _pick(FULL_TEXT, languages),
            "lead_institution": "Ministère des Finances" if "fr" in languages else "Ministry of Finance",
            "supporting_institutions": ["Instance nationale d'accès à l'information", "Cour des comptes"],
            "milestones": [{"title": _pick(topic, languages), "due_date": "2024-12-31", "status": "limited"},
                           {"title": _pick(NARRATIVE, languages), "due_date": "2025-06-30"}],
            "self_reported_completion": COMPLETIONS[(index + n) % len(COMPLETIONS)],
            "narrative": _pick(NARRATIVE, languages),
            "evidence": [{"url": f"https://data.example.org/{code.lower()}/{plan_number}/{n}",
                          "description": _pick({"ar": "تقرير التنفيذ", "fr": "Rapport de mise en œuvre", "en": "Implementation report"},
                                               languages)}],
        }
        body["commitments"].append(commitment)
    return body


def encoded(index: int) -> bytes:
    return json.dumps(self_assessment(index), ensure_ascii=False).encode("utf-8")


def ratings_for(commitment_number: int) -> dict:
    return RATING_BODIES[(commitment_number - 1) % len(RATING_BODIES)]
