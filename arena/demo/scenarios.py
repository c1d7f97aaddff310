"""The three demo organizations and every true parameter their data is generated from."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from arena.demo.demand import BookingCurve, PriceRules
from arena.demo.people import AudienceProfile


@dataclass(frozen=True)
class Category:
    """A seat category (or race distance) with its capacity, list price and price sensitivity."""

    name: str
    capacity: int
    list_price: float
    elasticity: float
    base_demand: float  # expected tickets per event at list price and neutral attractiveness
    season_ticket_share: float = 0.0
    season_ticket_price: float = 0.0


@dataclass(frozen=True)
class Venue:
    """A real place in a real French city (the venue itself is fictional)."""

    name: str
    address: str
    postal_code: str
    city: str
    latitude: float
    longitude: float
    capacity: int


@dataclass(frozen=True)
class ClubScenario:
    """A football club: one stadium, seasons of home matches, season tickets and single tickets."""

    slug: str = "olympique-loire"
    name: str = "Olympique de la Loire"
    vendor: str = "secutix"
    venue: Venue = Venue("Stade de la Loire", "5 boulevard de la Beaujoire", "44300", "Nantes",
                         47.2560, -1.5250, 30000)
    seasons: tuple[int, ...] = (2022, 2023, 2024)
    # From this day (month, day) on, the season starting this year is the current one: the
    # previous season's last match (mid-May) is played, the next one's first tickets sell in June.
    next_season_from: tuple[int, int] = (6, 1)
    categories: tuple[Category, ...] = (
        Category("Présidentielle", 1500, 85.0, -0.8, 260, 0.55, 1090.0),
        Category("Catégorie 1", 6000, 42.0, -1.1, 930, 0.50, 520.0),
        Category("Catégorie 2", 9000, 29.0, -1.4, 1020, 0.50, 360.0),
        Category("Catégorie 3", 9500, 19.0, -1.7, 960, 0.45, 240.0),
        Category("Virage Nord", 4000, 12.0, -2.0, 590, 0.60, 140.0),
    )
    # Opponent attractiveness (log demand multiplier), 19 home matches per season.
    opponents: tuple[tuple[str, float], ...] = (
        ("Paris Étoile FC", 0.85), ("Marseille Olympique Sud", 0.75), ("Lyon Métropole FC", 0.55),
        ("Rennes Armorique", 0.45), ("Lille Flandres AC", 0.35), ("Monaco Riviera", 0.30),
        ("Nice Côte Azur FC", 0.15), ("Lens Sang et Or", 0.20), ("Strasbourg Alsace", 0.05),
        ("Toulouse Garonne FC", 0.0), ("Montpellier Hérault SC", -0.05), ("Reims Champagne", -0.1),
        ("Brest Finistère", 0.0), ("Angers Anjou SCO", 0.1), ("Le Havre Estuaire", -0.2),
        ("Lorient Morbihan", -0.1), ("Metz Moselle FC", -0.25), ("Clermont Auvergne", -0.3),
        ("Auxerre Bourgogne", -0.3),
    )
    weekday_effect: dict[int, float] = field(default_factory=lambda: {
        0: -0.2, 1: -0.25, 2: -0.2, 3: -0.15, 4: 0.0, 5: 0.15, 6: 0.1})
    month_effect: dict[int, float] = field(default_factory=lambda: {
        8: 0.1, 9: 0.05, 10: 0.0, 11: -0.05, 12: -0.1, 1: -0.15, 2: -0.1, 3: 0.0, 4: 0.05, 5: 0.2})
    event_shock_sd: float = 0.25
    season_list_price_growth: float = 0.04
    season_ticket_price_growth: tuple[float, ...] = (0.0, 0.03, 0.08)
    curve: BookingCurve = BookingCurve(42, 0.30, 3.0, 0.40, 3.0)
    rules: PriceRules = PriceRules()
    audience: AudienceProfile = AudienceProfile(0.72, 37, 15, 6, 88, 35.0, 0.85, 0.01)
    holder_audience: AudienceProfile = AudienceProfile(0.75, 45, 15, 8, 88, 25.0, 0.93, 0.002)
    tariffs: tuple[tuple[str, float, float], ...] = (
        ("Plein tarif", 1.0, 0.76), ("Tarif réduit", 0.7, 0.16), ("Enfant -12 ans", 0.5, 0.08))
    group_tariff: tuple[str, float] = ("Tarif groupe", 0.8)
    channels: tuple[tuple[str, float], ...] = (
        ("Internet", 0.62), ("Guichet", 0.23), ("Réseau partenaire", 0.15))
    customer_pool_per_ticket: float = 0.16
    target_churn: float = 0.20
    # Renewal logit coefficients (intercept calibrated each season to hit target_churn).
    renewal_coefficients: dict[str, float] = field(default_factory=lambda: {
        "log1p_tenure": 0.55, "attendance_rate": 3.0, "distance_per_50km": -0.35,
        "price_increase": -6.0, "presidentielle": 0.3, "virage": 0.4, "noise_sd": 0.5})


@dataclass(frozen=True)
class Production:
    """A theatre show: its hall, number of performances and attractiveness."""

    title: str
    hall: str
    performances: int
    attractiveness: float


@dataclass(frozen=True)
class TheatreScenario:
    """A theatre with three halls, two seasons of productions and subscriptions (abonnements)."""

    slug: str = "theatre-lumieres"
    name: str = "Théâtre des Lumières"
    vendor: str = "weezevent"
    venue: Venue = Venue("Théâtre des Lumières", "12 rue de la République", "69002",
                         "Lyon 2e Arrondissement", 45.7600, 4.8357, 1370)
    halls: dict[str, tuple[Category, ...]] = field(default_factory=lambda: {
        "Grande Salle": (Category("Carré Or", 150, 48.0, -0.9, 95),
                         Category("1re catégorie", 450, 36.0, -1.2, 230),
                         Category("2e catégorie", 250, 24.0, -1.5, 150)),
        "Salle Molière": (Category("Parterre", 260, 28.0, -1.2, 150),
                          Category("Balcon", 120, 20.0, -1.5, 70)),
        "Studio": (Category("Placement libre", 140, 18.0, -1.3, 85),),
    })
    seasons: tuple[int, ...] = (2023, 2024)
    # The last production of a season closes mid-June; the next season's abonnements sell from May.
    next_season_from: tuple[int, int] = (7, 1)
    productions_per_season: int = 12
    show_titles: tuple[str, ...] = (
        "Le Misanthrope", "Cyrano de Bergerac", "La Cerisaie", "Le Jeu de l'amour et du hasard",
        "Les Fourberies de Scapin", "Phèdre", "En attendant Godot", "Art", "Le Dîner de cons",
        "La Machine infernale", "Rhinocéros", "Huis clos", "L'Avare", "Antigone", "Tartuffe",
        "Le Songe d'une nuit d'été", "Les Bonnes", "Oncle Vania", "Britannicus", "Knock",
        "Le Malade imaginaire", "La Mouette", "Dom Juan", "Les Caprices de Marianne",
    )
    attractiveness_sd: float = 0.4
    weekday_effect: dict[int, float] = field(default_factory=lambda: {
        1: -0.15, 2: -0.1, 3: 0.0, 4: 0.15, 5: 0.25, 6: -0.05})
    event_shock_sd: float = 0.2
    curve: BookingCurve = BookingCurve(120, 0.25, 10.0, 0.35, 7.0)
    rules: PriceRules = PriceRules(surge_thresholds=(0.9,), late_window_days=7,
                                   late_fill_threshold=0.4, promo_probability=0.03)
    audience: AudienceProfile = AudienceProfile(0.38, 52, 16, 12, 92, 20.0, 0.9, 0.01)
    tariffs: tuple[tuple[str, float, float], ...] = (
        ("Plein tarif", 1.0, 0.72), ("Tarif réduit", 0.75, 0.18), ("Moins de 26 ans", 0.5, 0.10))
    # Abonnement: a formula of `shows_per_subscription` shows chosen in the season, each ticket at
    # the "Abonné" tariff; sold in a spring campaign (renewals first, then newcomers).
    subscription_tariff: tuple[str, float] = ("Abonné", 0.75)
    subscription_name: str = "Abonnement 4 spectacles"
    subscribers: int = 900
    shows_per_subscription: int = 4
    # Share of one performance's category seats subscribers may take (the rest stays on sale).
    subscriber_seat_cap: float = 0.5
    subscriber_tenure_geometric_p: float = 0.25  # tenure of the first season's subscribers
    attendance_beta: tuple[float, float] = (8.0, 1.5)
    channels: tuple[tuple[str, float], ...] = (
        ("Billetterie en ligne", 0.58), ("Guichet", 0.32), ("Partenaire", 0.10))
    customer_pool_per_ticket: float = 0.30
    target_churn: float = 0.25
    # Renewal utility = intercept + these terms + Logistic(0, 1) noise (a logit model); the
    # intercept is set each season so that exactly `target_churn` of subscribers leave.
    renewal_coefficients: dict[str, float] = field(default_factory=lambda: {
        "log1p_tenure": 0.6, "attendance_rate": 2.5, "distance_per_50km": -0.4,
        "age_per_10_years": 0.15})


@dataclass(frozen=True)
class RaceScenario:
    """A road race once a year: three distances, price tiers rising towards race day."""

    slug: str = "courir-garonne"
    name: str = "Courir en Garonne"
    vendor: str = "njuko"
    venue: Venue = Venue("Quais de Bordeaux - Place de la Bourse", "Place de la Bourse", "33000",
                         "Bordeaux", 44.8412, -0.5697, 6500)
    editions: tuple[int, ...] = (2021, 2022, 2023, 2024, 2025)
    # Registrations for the October race open in late February; from mid-March on, this year's
    # edition has sales and is the latest one.
    next_edition_from: tuple[int, int] = (3, 15)
    categories: tuple[Category, ...] = (
        Category("Marathon", 2000, 65.0, -0.6, 1500),
        Category("Semi-Marathon", 3000, 38.0, -0.7, 2900),
        Category("10 km", 1500, 18.0, -0.9, 1300),
    )
    # (days before race, price multiplier of the list price): early bird, standard, late.
    tiers: tuple[tuple[int, float], ...] = ((240, 0.85), (150, 1.0), (45, 1.2))
    edition_growth: float = 0.08  # yearly growth of demand: the race is getting known
    event_shock_sd: float = 0.1
    curve: BookingCurve = BookingCurve(240, 0.20, 6.0, 0.25, 20.0)
    audience: AudienceProfile = AudienceProfile(0.62, 40, 10, 18, 78, 45.0, 0.7, 0.03)
    customer_pool_per_ticket: float = 0.55
    yearly_return_probability_mean: float = 0.35


def _current_start_year(as_of: date, next_from: tuple[int, int]) -> int:
    return as_of.year if as_of >= date(as_of.year, *next_from) else as_of.year - 1


def scenarios_as_of(as_of: date) -> tuple[ClubScenario, TheatreScenario, RaceScenario]:
    """The three scenarios with their calendars shifted so that the last season holds `as_of`.

    The number of seasons (editions) stays the default one; only their years move, so the
    current season (the one `as_of` falls in, or the next one between seasons) is the last.
    """
    club, theatre, race = ClubScenario(), TheatreScenario(), RaceScenario()
    club_year = _current_start_year(as_of, club.next_season_from)
    theatre_year = _current_start_year(as_of, theatre.next_season_from)
    race_year = _current_start_year(as_of, race.next_edition_from)
    return (
        replace(club, seasons=tuple(range(club_year - len(club.seasons) + 1, club_year + 1))),
        replace(theatre, seasons=tuple(range(theatre_year - len(theatre.seasons) + 1,
                                             theatre_year + 1))),
        replace(race, editions=tuple(range(race_year - len(race.editions) + 1, race_year + 1))),
    )
