# language: no
Egenskap: Svartid og tråder i samtaler etter D81023
  Som samhandlingskoordinator vil jeg at Dialogvakt følger med på trådene mellom
  sykehuset og kommunene, slik at forespørsler som ikke er besvart innen 3–5 virkedager
  blir fulgt opp, også når jul, nyttår og påske kommer imellom, og slik at jeg ser
  meldinger som ikke hører hjemme i tråden. «Forventet svartid: 3-5 virkedager» (D81023 § 6):
  hele den femte virkedagen etter at forespørselen ble sendt er i tide; fra midnatt etter den
  dagen er svaret forfalt hvis det ikke er kommet.

  Bakgrunn:
    Gitt at retningslinjen "helse-bergen-d81023" brukes
    Og at samtalene går mellom Bergen kommune og tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus

  Scenario: Svaret er i tide mandag 28. desember og forfalt fra tirsdag 29. desember (eksempelet i saken)
    Gitt at kommunen sendte en forespørsel fredag 18. desember 2026
    Når det er mandag 28. desember kl. 23:59 og ingen har svart
    Så er svaret ikke forfalt ennå
    Når det er tirsdag 29. desember kl. 00:00 og ingen har svart
    Så er svaret forfalt

  Scenario: En forespørsel rett før jul har hele mandag 28. desember som siste dag for svar
    Gitt at Bergen kommune sendte en forespørsel fredag 18. desember 2026
    Når det er mandag 28. desember kl. 23:59 og ingen har svart
    Så er svaret ikke forfalt ennå
    Når det er tirsdag 29. desember kl. 00:00 og ingen har svart
    Så er svaret forfalt
    Og fristen for svar var mandag 28. desember 2026
    Og funnet ble gjort tirsdag 29. desember 2026 kl. 00:00
    Og funnet viser til § 6
    Og funnet er åpent
    Og funnet nevner "senest mandag 28. desember 2026"

  Scenario: Et svar før den siste dagen gir ingen funn
    Gitt at Bergen kommune sendte en forespørsel fredag 18. desember 2026
    Og sykehuset svarte torsdag 24. desember 2026 kl. 15:00
    Når det er mandag 4. januar 2027
    Så er svaret ikke forfalt
    Og overvåkingen finner ingenting

  Scenario: Et svar sent på den siste dagen er i tide
    Gitt at Bergen kommune sendte en forespørsel fredag 18. desember 2026
    Når det er mandag 28. desember 2026 kl. 08:00
    Så er svaret ikke forfalt ennå
    Når Haukeland universitetssjukehus svarte mandag 28. desember 2026 kl. 23:30
    Og det er mandag 4. januar 2027
    Så er svaret ikke forfalt
    Og overvåkingen finner ingenting

  Scenario: Et svar som kommer for sent, løser funnet
    Gitt at Bergen kommune sendte en forespørsel fredag 18. desember 2026
    Når det er tirsdag 29. desember 2026 kl. 08:00
    Så er svaret forfalt
    Når Haukeland universitetssjukehus svarte onsdag 30. desember 2026 kl. 09:30
    Så finner overvåkingen "svaret er forfalt"
    Og funnet er løst
    Og funnet ble gjort tirsdag 29. desember 2026 kl. 08:00

  Scenario: En påminnelse fra den som spurte er ikke et svar
    Gitt at Bergen kommune sendte en forespørsel mandag 30. november 2026
    Og Bergen kommune sendte en forespørsel i samme tråd fredag 4. desember 2026
    Når det er tirsdag 8. desember 2026
    Så er svaret forfalt
    Og fristen for svar var mandag 7. desember 2026

  Scenariomal: Helligdager skyver den siste dagen for svar
    Gitt at kommunen sendte en forespørsel <sendt>
    Når det er <siste svardag> kl. 23:59 og ingen har svart
    Så er svaret ikke forfalt ennå
    Når det er <dagen etter> kl. 00:00 og ingen har svart
    Så er svaret forfalt
    Og fristen for svar var <siste svardag>
    Og funnet ble gjort <dagen etter> kl. 00:00

    Eksempler:
      | sendt                           | siste svardag               | dagen etter                 |
      | fredag 19. desember 2025        | tirsdag 30. desember 2025   | onsdag 31. desember 2025    |
      | tirsdag 29. desember 2026       | onsdag 6. januar 2027       | torsdag 7. januar 2027      |
      | fredag 27. mars 2026            | onsdag 8. april 2026        | torsdag 9. april 2026       |
      | mandag 30. mars 2026            | torsdag 9. april 2026       | fredag 10. april 2026       |
      | onsdag 1. april 2026 kl. 12:00  | mandag 13. april 2026       | tirsdag 14. april 2026      |
      | fredag 15. mai 2026             | fredag 22. mai 2026         | lørdag 23. mai 2026         |

  Scenario: Et svar om et annet fagområde hører hjemme i en ny tråd
    Gitt at Bergen kommune sendte en forespørsel mandag 2. juni 2025
    Og meldingen gjelder fagområdet "lungesykdommer"
    Og Haukeland universitetssjukehus svarte tirsdag 3. juni 2025
    Og meldingen gjelder fagområdet "hjertesykdommer"
    Når overvåkingen har sett meldingene
    Så finner overvåkingen "meldingen gjelder en annen problemstilling enn tråden"
    Og funnet viser til § 4.6
    Og funnet er registrert
    Og funnet nevner "hjertesykdommer"

  Scenario: Et svar som bare bekrefter mottak
    Gitt at Bergen kommune sendte en forespørsel mandag 2. juni 2025
    Og Haukeland universitetssjukehus svarte tirsdag 3. juni 2025
    Og meldingen har formålet "bekreftelse på mottak"
    Når overvåkingen har sett meldingene
    Så finner overvåkingen "meldingen bare bekrefter mottak"
    Og funnet viser til § 5.2
    Og overvåkingen finner ikke "meldingen gjelder en annen problemstilling enn tråden"

  Scenario: Et svar med bare «Takk for meldingen» gir et råd
    Gitt at Bergen kommune sendte en forespørsel mandag 2. juni 2025
    Og Haukeland universitetssjukehus svarte tirsdag 3. juni 2025
    Og meldingen har teksten "Takk for meldingen!"
    Når overvåkingen har sett meldingene
    Så finner overvåkingen "meldingen bare bekrefter mottak"
    Og funnet nevner "ser ut til"

  Scenario: Et svar med et annet emne enn tråden gir et råd
    Gitt at Bergen kommune sendte en forespørsel mandag 2. juni 2025
    Og feltet "melding.emne" er "Oksygenbehandling i hjemmet"
    Og Haukeland universitetssjukehus svarte tirsdag 3. juni 2025
    Og feltet "melding.emne" er "Ny time for blodprøver"
    Når overvåkingen har sett meldingene
    Så finner overvåkingen "meldingen gjelder en annen problemstilling enn tråden"
    Og funnet viser til § 4.6
    Og funnet nevner "Emnet i tråden har endret seg"

  Scenario: Et svar med samme emne, med «SV:» foran, gir ingen funn
    Gitt at Bergen kommune sendte en forespørsel mandag 2. juni 2025
    Og feltet "melding.emne" er "Oksygenbehandling i hjemmet"
    Og Haukeland universitetssjukehus svarte tirsdag 3. juni 2025
    Og feltet "melding.emne" er "SV: Oksygenbehandling i hjemmet"
    Når overvåkingen har sett meldingene
    Så finner overvåkingen ingenting

  Scenario: Et svar sendt i tide som kom fram etter klokkehendelsen ved midnatt, gir ingen funn
    # Svaret ble sendt mandag 28. desember kl. 23:50, den siste dagen, men kom fram etter klokkehendelsen
    # ved midnatt. Overvåkingen ordner meldinger etter når de ble sendt, og venter inntil en time på
    # hendelser som kommer fram sent.
    Gitt at overvåkingen venter inntil 1 time på hendelser som kommer fram sent
    Og at kommunen sendte en forespørsel fredag 18. desember 2026
    Og det kom en klokkehendelse tirsdag 29. desember 2026 kl. 00:00
    Og sykehuset svarte mandag 28. desember 2026 kl. 23:50
    Og svaret kom fram tirsdag 29. desember 2026 kl. 00:20
    Når det er tirsdag 29. desember 2026 kl. 08:00
    Så er svaret ikke forfalt
    Og overvåkingen finner ingenting

  Scenario: Uten vindu for hendelser som kommer sent, løser det samme svaret funnet i etterkant
    Gitt at kommunen sendte en forespørsel fredag 18. desember 2026
    Og det kom en klokkehendelse tirsdag 29. desember 2026 kl. 00:00
    Og sykehuset svarte mandag 28. desember 2026 kl. 23:50
    Og svaret kom fram tirsdag 29. desember 2026 kl. 00:20
    Når overvåkingen har sett hendelsene
    Så finner overvåkingen "svaret er forfalt"
    Og funnet er løst
    Og funnet ble gjort tirsdag 29. desember 2026 kl. 00:00

  Scenariomal: Rekkefølgen hendelsene kommer fram i, endrer ikke funnene
    Gitt at overvåkingen venter inntil 30 dager på hendelser som kommer fram sent
    Og at kommunen sendte en forespørsel fredag 18. desember 2026
    Og det kom en klokkehendelse tirsdag 29. desember 2026 kl. 08:00
    Og sykehuset svarte onsdag 30. desember 2026 kl. 09:30
    Når overvåkingen får hendelsene <rekkefølge>
    Så finner overvåkingen "svaret er forfalt"
    Og funnet er løst
    Og funnet ble gjort tirsdag 29. desember 2026 kl. 08:00

    Eksempler:
      | rekkefølge           |
      | i tidsrekkefølge     |
      | i omvendt rekkefølge |
