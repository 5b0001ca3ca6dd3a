"""What each audit code means, in Swedish, for the person reading their own record (the
registerutdrag). The log stores the codes; people read these words. Every code the service
can write has its description (tests/recordkeeping/test_audit_texts.py reads the source)."""

from __future__ import annotations

ACTIONS = {
    # Signing in and out
    "sign_in": "Inloggning",
    "sign_out": "Utloggning",
    "new_link": "Begäran om en ny inloggningslänk",
    "person.language": "Valde språk för formulärtjänsten",
    "route:": "Försök att öppna en sida i formulärtjänsten",
    # The talk
    "team.view": "Visade listan Mina medarbetare",
    "talk.view": "Visade samtalets sida",
    "talk.call_form": "Öppnade kallelsen för att kalla till samtalet",
    "talk.call": "Kallelse till medarbetarsamtal",
    "talk.move": "Samtalet flyttades till en ny tid eller plats",
    "talk.cancel_form": "Öppnade sidan för att ställa in samtalet",
    "talk.cancel": "Samtalet ställdes in",
    "talk.cancel_mail": "Ett e-postmeddelande om att samtalet är inställt skickades",
    "talk.invitation_mail": "Kallelsen skickades med e-post",
    "talk.ics": "Hämtade samtalet som kalenderfil",
    "talk.held": "Samtalet markerades som genomfört",
    # Preparations
    "preparation.read": "Visade en förberedelse",
    "preparation.edit": "Öppnade förberedelsen för att fylla i den",
    "preparation.save": "Förberedelsen sparades som utkast",
    "preparation.submit": "Förberedelsen skickades in",
    "preparation.delete": "Ett utkast till förberedelse togs bort",
    # The plan
    "plan.read": "Visade anteckningarna och planen",
    "plan.edit": "Öppnade anteckningarna och planen för att ändra dem",
    "plan.save": "Anteckningarna och planen sparades",
    "plan.sign": "Underskrift av planen",
    "plan.versions": "Visade planens alla versioner",
    "plan.print": "Visade planen för utskrift",
    "plan.download": "Laddade ner planen som PDF",
    "plan.mail_copy": "En kopia av planen skickades med e-post",
    "plan.seal": "Organisationens försegling av planens PDF-fil",
    "plan.sign_request_mail": "Ett e-postmeddelande om en ny version att skriva under skickades",
    "plan.verify": "Kontroll av en plans verifieringskod",
    # Follow-up
    "followup.read": "Visade uppföljningen av planen",
    "followup.edit": "Öppnade uppföljningen för att ändra den",
    "followup.save": "Uppföljningen av planen sparades",
    # HR, managers' downloads and rounds
    "roster.import": "Inläsning av personallistan",
    "round.open": "En samtalsomgång öppnades",
    "round.coverage": "Visade hur långt samtalsomgången har kommit (bara antal, inget innehåll)",
    "round.additions": "Visade vilka som inte är med i samtalsomgången och varför",
    "round.add_person": "En medarbetare lades till i samtalsomgången för hand, med skäl",
    "reminder.sent": "En påminnelse skickades med e-post",
    "reminder.failed": "En påminnelse kunde inte skickas och skickas nästa gång",
    "team.download": "Laddade ner medarbetarnas planer eller en översikt",
    "person.grant_hr": "Fick behörighet som HR",
    "person.revoke_hr": "Behörigheten som HR togs bort",
    # Record keeping
    "person.export": "Registerutdrag",
    "record.verify": "Kontroll av att sparade uppgifter inte har ändrats",
    "record.purge": "Gallring: uppgifter togs bort när bevarandetiden hade gått ut",
    "records.rekey": "Sparade uppgifter skyddades med en ny nyckel",
    "records.chain": "Planer sparade före kontrollkedjorna fick sina kedjor",
    "records.verify_all": "Hela databasen kontrollerades (formserver verify)",
    "records.render_pdfs": "PDF-filer skapades och sparades för underskrivna planer som saknade en",
    "database.backup": "Säkerhetskopia av databasen",
    "database.restore": "Databasen återställdes från en säkerhetskopia",
}

OUTCOMES = {
    "ok": "Genomfört",
    "denied": "Nekat: inte inloggad, eller saknar behörighet",
    "failed": "Misslyckades",
    "refused": "Gick inte: förutsättningarna saknades (se detaljer)",
    "rejected": "Avvisat: uppgifterna innehöll fel, ingenting ändrades",
    "rate_limited": "Stoppat: för många försök på kort tid",
    "unconfirmed": "Väntar på bekräftelse: ingenting ändrades ännu",
    "nothing": "Inget att göra",
    "issued": "En ny länk gjordes",
    "sent": "En ny länk skickades med e-post",
    "mail_failed": "E-posten kunde inte skickas",
    "unknown": "Personen finns inte i personallistan",
    "left": "Personen har slutat",
    "sso_only": "Ingen länk: loggar in med organisationens inloggning",
    "method_not_allowed": "Nekat: loggar in med länk, inte med organisationens inloggning",
    "invalid": "Länken fungerade inte",
    "expired": "Länken hade gått ut",
    "used": "Länken var redan använd",
    "revoked": "Länken var spärrad",
    "state": "Inloggningen kunde inte slutföras (för gammal eller redan använd)",
    "cancelled": "Inloggningen avbröts",
    "provider_error": "Organisationens inloggning godkände inte inloggningen",
    "token_invalid": "Svaret från organisationens inloggning gick inte att kontrollera",
    "unavailable": "Organisationens inloggning gick inte att nå",
    "claim_missing": "Organisationens inloggning skickade inte uppgiften som behövs",
    "email_unverified": "E-postadressen var inte bekräftad",
    "no_match": "Koden stämde inte med någon plan",
    "tampered": "Uppgifterna var ändrade, borttagna eller flyttade utanför tjänsten: visades inte",
}


def describe_action(code: str) -> str:
    """The Swedish description of an action code (the code itself if none is known)."""
    if code.startswith("route:"):
        return ACTIONS["route:"]
    return ACTIONS.get(code, code)


def describe_outcome(code: str) -> str:
    """The Swedish description of an outcome code (the code itself if none is known)."""
    return OUTCOMES.get(code, code)
