"""What each audit code means, for the person reading their own record (the registerutdrag).
The log stores the codes; people read these words, in Swedish (the msgids) or in the reader's
language from the catalogue. Every code the service can write has its Swedish description
(tests/recordkeeping/test_audit_texts.py reads the source)."""

from __future__ import annotations

from formserver.common.languages import _l, _lp

ACTIONS = {
    # Signing in and out
    "sign_in": _l("Inloggning"),
    "sign_out": _l("Utloggning"),
    "new_link": _l("Begäran om en ny inloggningslänk"),
    "person.language": _l("Valde språk för formulärtjänsten"),
    "route:": _l("Försök att öppna en sida i formulärtjänsten"),
    # The talk
    "team.view": _l("Visade listan Mina medarbetare"),
    "talk.view": _l("Visade samtalets sida"),
    "talk.call_form": _l("Öppnade kallelsen för att kalla till samtalet"),
    "talk.call": _l("Kallelse till medarbetarsamtal"),
    "talk.move": _l("Samtalet flyttades till en ny tid eller plats"),
    "talk.cancel_form": _l("Öppnade sidan för att ställa in samtalet"),
    "talk.cancel": _l("Samtalet ställdes in"),
    "talk.cancel_mail": _l("Ett e-postmeddelande om att samtalet är inställt skickades"),
    "talk.invitation_mail": _l("Kallelsen skickades med e-post"),
    "talk.ics": _l("Hämtade samtalet som kalenderfil"),
    "talk.held": _l("Samtalet markerades som genomfört"),
    # Preparations
    "preparation.read": _l("Visade en förberedelse"),
    "preparation.edit": _l("Öppnade förberedelsen för att fylla i den"),
    "preparation.save": _l("Förberedelsen sparades som utkast"),
    "preparation.submit": _l("Förberedelsen skickades in"),
    "preparation.delete": _l("Ett utkast till förberedelse togs bort"),
    # The plan
    "plan.read": _l("Visade anteckningarna och planen"),
    "plan.edit": _l("Öppnade anteckningarna och planen för att ändra dem"),
    "plan.save": _l("Anteckningarna och planen sparades"),
    "plan.sign": _l("Underskrift av planen"),
    "plan.versions": _l("Visade planens alla versioner"),
    "plan.print": _l("Visade planen för utskrift"),
    "plan.download": _l("Laddade ner planen som PDF"),
    "plan.mail_copy": _l("En kopia av planen skickades med e-post"),
    "plan.seal": _l("Organisationens försegling av planens PDF-fil"),
    "plan.sign_request_mail": _l(
        "Ett e-postmeddelande om en ny version att skriva under skickades"
    ),
    "plan.verify": _l("Kontroll av en plans verifieringskod"),
    # Follow-up
    "followup.read": _l("Visade uppföljningen av planen"),
    "followup.edit": _l("Öppnade uppföljningen för att ändra den"),
    "followup.save": _l("Uppföljningen av planen sparades"),
    # HR, managers' downloads and rounds
    "roster.import": _l("Inläsning av personallistan"),
    "round.open": _l("En samtalsomgång öppnades"),
    "round.coverage": _l(
        "Visade hur långt samtalsomgången har kommit (bara antal, inget innehåll)"
    ),
    "round.additions": _l("Visade vilka som inte är med i samtalsomgången och varför"),
    "round.add_person": _l("En medarbetare lades till i samtalsomgången för hand, med skäl"),
    "reminder.sent": _l("En påminnelse skickades med e-post"),
    "reminder.failed": _l("En påminnelse kunde inte skickas och skickas nästa gång"),
    "team.download": _l("Laddade ner medarbetarnas planer eller en översikt"),
    "person.grant_hr": _l("Fick behörighet som HR"),
    "person.revoke_hr": _l("Behörigheten som HR togs bort"),
    # Record keeping
    "person.export": _l("Registerutdrag"),
    "record.verify": _l("Kontroll av att sparade uppgifter inte har ändrats"),
    "record.purge": _l("Gallring: uppgifter togs bort när bevarandetiden hade gått ut"),
    "records.rekey": _l("Sparade uppgifter skyddades med en ny nyckel"),
    "records.chain": _l("Planer sparade före kontrollkedjorna fick sina kedjor"),
    "records.verify_all": _l("Hela databasen kontrollerades (formserver verify)"),
    "records.render_pdfs": _l(
        "PDF-filer skapades och sparades för underskrivna planer som saknade en"
    ),
    "database.backup": _l("Säkerhetskopia av databasen"),
    "database.restore": _l("Databasen återställdes från en säkerhetskopia"),
}

OUTCOMES = {
    # "Genomfört" is a talk's status (held) too: the context keeps the two English words apart.
    "ok": _lp("utfall", "Genomfört"),
    "denied": _l("Nekat: inte inloggad, eller saknar behörighet"),
    "failed": _l("Misslyckades"),
    "refused": _l("Gick inte: förutsättningarna saknades (se detaljer)"),
    "rejected": _l("Avvisat: uppgifterna innehöll fel, ingenting ändrades"),
    "rate_limited": _l("Stoppat: för många försök på kort tid"),
    "unconfirmed": _l("Väntar på bekräftelse: ingenting ändrades ännu"),
    "nothing": _l("Inget att göra"),
    "issued": _l("En ny länk gjordes"),
    "sent": _l("En ny länk skickades med e-post"),
    "mail_failed": _l("E-posten kunde inte skickas"),
    "unknown": _l("Personen finns inte i personallistan"),
    "left": _l("Personen har slutat"),
    "sso_only": _l("Ingen länk: loggar in med organisationens inloggning"),
    "method_not_allowed": _l("Nekat: loggar in med länk, inte med organisationens inloggning"),
    "invalid": _l("Länken fungerade inte"),
    "expired": _l("Länken hade gått ut"),
    "used": _l("Länken var redan använd"),
    "revoked": _l("Länken var spärrad"),
    "state": _l("Inloggningen kunde inte slutföras (för gammal eller redan använd)"),
    "cancelled": _l("Inloggningen avbröts"),
    "provider_error": _l("Organisationens inloggning godkände inte inloggningen"),
    "token_invalid": _l("Svaret från organisationens inloggning gick inte att kontrollera"),
    "unavailable": _l("Organisationens inloggning gick inte att nå"),
    "claim_missing": _l("Organisationens inloggning skickade inte uppgiften som behövs"),
    "email_unverified": _l("E-postadressen var inte bekräftad"),
    "no_match": _l("Koden stämde inte med någon plan"),
    "tampered": _l(
        "Uppgifterna var ändrade, borttagna eller flyttade utanför tjänsten: visades inte"
    ),
}


def describe_action(code: str) -> str:
    """What an action code means, in the language it is shown in (the code if none is known)."""
    if code.startswith("route:"):
        return ACTIONS["route:"]
    return ACTIONS.get(code, code)


def describe_outcome(code: str) -> str:
    """What an outcome code means, in the language it is shown in (the code if none is known)."""
    return OUTCOMES.get(code, code)
