# language: no
Egenskap: Oppfølging av sendte og mottatte dialogmeldinger (Helse Vest)
  Som fastlege vil jeg bli minnet på forespørsler som ikke er besvart innen
  3–5 arbeidsdager, både de jeg har sendt og de jeg har fått. «Sendte og mottatte
  dialogmeldinger må følges opp, og forventet svartid er innen 3–5 arbeidsdager»:
  hele den femte arbeidsdagen er i tide, og fra midnatt etter den er svaret forfalt.

  Bakgrunn:
    Gitt at retningslinjen "helse-vest-2017" brukes
    Og at samtalene går mellom fastlegen i Bergen og tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus

  Scenario: En forespørsel mottatt skjærtorsdag kan besvares til og med mandag 13. april
    Gitt at Haukeland universitetssjukehus sendte en forespørsel torsdag 2. april 2026 kl. 10:00
    Og vi mottok meldingen
    Når det er mandag 13. april 2026 kl. 23:59
    Så er svaret ikke forfalt ennå
    Når det er tirsdag 14. april 2026 kl. 07:00
    Så er svaret forfalt
    Og fristen for svar var mandag 13. april 2026
    Og funnet nevner "Mottatte dialogmeldinger må følges opp"

  Scenario: Fastlegen venter på svar fra sykehuset
    Gitt at fastlegen sendte en forespørsel mandag 2. februar 2026 kl. 09:00
    Og vi sendte meldingen
    Når det er tirsdag 10. februar 2026
    Så er svaret forfalt
    Og fristen for svar var mandag 9. februar 2026
    Og funnet nevner "Sendte dialogmeldinger må følges opp"

  Scenario: En sendt forespørsel som er besvart
    Gitt at fastlegen i Bergen sendte en forespørsel torsdag 2. april 2026 kl. 10:00
    Og vi sendte meldingen
    Og Haukeland universitetssjukehus svarte tirsdag 7. april 2026
    Når det er fredag 10. april 2026
    Så er svaret ikke forfalt
