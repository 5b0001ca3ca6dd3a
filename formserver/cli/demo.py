"""A fictional demo organisation: a few units, managers and employees, one open round."""

from __future__ import annotations

from datetime import date

DEMO_ROSTER = """anstallningsnummer;namn;epost;enhet;befattning;chef_anstallningsnummer;anstallningsform;startdatum;slutdatum
D100;Maja Exempeldotter;maja.exempeldotter@example.se;Förvaltningsledning;Förvaltningschef;;tillsvidare;2015-03-01;
D110;Hanna Personalsson;hanna.personalsson@example.se;HR-avdelningen;HR-specialist;D100;tillsvidare;2019-08-15;
D200;Karin Chefsberg;karin.chefsberg@example.se;Barn och utbildning;Enhetschef;D100;tillsvidare;2017-01-09;
D201;Anna Exempelsson;anna.exempelsson@example.se;Barn och utbildning;Förskollärare;D200;tillsvidare;2020-02-01;
D202;Olle Provsson;olle.provsson@example.se;Barn och utbildning;Barnskötare;D200;visstid;2026-01-07;2026-12-31
D203;Sara Testlund;sara.testlund@example.se;Barn och utbildning;Förskollärare;D200;visstid;2026-09-01;2026-11-30
D300;Erik Ledarsson;erik.ledarsson@example.se;Teknik och miljö;Enhetschef;D100;tillsvidare;2016-05-16;
D301;Fatima Demo;fatima.demo@example.se;Teknik och miljö;Miljöinspektör;D300;tillsvidare;2021-04-01;
D302;Jonas Påhittad;jonas.pahittad@example.se;Teknik och miljö;Ingenjör;D300;tillsvidare;2022-10-03;
D303;Li Exempelqvist;li.exempelqvist@example.se;Teknik och miljö;Handläggare;D300;annan;2024-01-15;
"""

DEMO_HR = "hanna.personalsson@example.se"
DEMO_MANAGER = "karin.chefsberg@example.se"
DEMO_EMPLOYEE = "anna.exempelsson@example.se"


def demo_year(today: date) -> int:
    """The year the demo round is for."""
    return today.year
