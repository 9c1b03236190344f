# language: no
Egenskap: Applikasjonskvitteringer og svartid mellom Sykehuset Østfold og kommunene
  Som samhandlingskoordinator vil jeg vite når en melding vi sendte ikke har fått
  applikasjonskvittering, eller ble avvist, slik at vi sikrer at sendte meldinger er
  blitt mottatt.

  Bakgrunn:
    Gitt at retningslinjen "sykehuset-ostfold" brukes
    Og at samtalene går mellom Fredrikstad kommune og tjenesten "Lungesykdommer" ved Sykehuset Østfold

  Scenario: En sendt melding uten applikasjonskvittering etter 24 timer
    Gitt at Fredrikstad kommune sendte en forespørsel mandag 2. februar 2026 kl. 09:00
    Og vi sendte meldingen
    Når det er tirsdag 3. februar 2026 kl. 09:00
    Så finner overvåkingen ikke "applikasjonskvitteringen mangler"
    Når det er tirsdag 3. februar 2026 kl. 09:01
    Så finner overvåkingen "applikasjonskvitteringen mangler"
    Og funnet viser til § Felles ansvar 5
    Og funnet nevner "24 timer"

  Scenario: Kvitteringen kommer
    Gitt at Fredrikstad kommune sendte en forespørsel mandag 2. februar 2026 kl. 09:00
    Og vi sendte meldingen
    Og det kom en applikasjonskvittering mandag 2. februar 2026 kl. 09:01
    Når det er onsdag 4. februar 2026
    Så finner overvåkingen ingenting

  Scenario: Mottakeren avviser meldingen
    Gitt at Fredrikstad kommune sendte en forespørsel mandag 2. februar 2026 kl. 09:00
    Og vi sendte meldingen
    Og det kom en applikasjonskvittering med status avvist mandag 2. februar 2026 kl. 09:01
    Når overvåkingen har sett meldingene
    Så finner overvåkingen "meldingen ble avvist av mottakeren"
    Og funnet er registrert

  Scenario: Den femte virkedagen etter påske er siste dag for svar
    Gitt at kommunen sendte en forespørsel onsdag 1. april 2026
    Og det kom en applikasjonskvittering onsdag 1. april 2026 kl. 10:01
    Når det er mandag 13. april 2026 kl. 23:59
    Så er svaret ikke forfalt ennå
    Når det er tirsdag 14. april 2026
    Så er svaret forfalt
    Og fristen for svar var mandag 13. april 2026
    Og funnet er åpent

  Scenario: Et svar på den siste dagen er i tide
    Gitt at kommunen sendte en forespørsel onsdag 1. april 2026
    Og sykehuset svarte mandag 13. april 2026 kl. 13:00
    Når det er tirsdag 14. april 2026
    Så er svaret ikke forfalt
    Og overvåkingen finner ikke "svaret er forfalt"

  Scenario: Mottakeren melder feil i en del av meldingen
    Gitt at Fredrikstad kommune sendte en forespørsel mandag 2. februar 2026 kl. 09:00
    Og vi sendte meldingen
    Og det kom en applikasjonskvittering med status delvis OK mandag 2. februar 2026 kl. 09:01
    Når overvåkingen har sett meldingene
    Så finner overvåkingen "kvitteringen melder feil i en del av meldingen"
    Og overvåkingen finner ikke "meldingen ble avvist av mottakeren"
    Og funnet viser til § Felles ansvar 5
    Og funnet nevner "feil i en del av meldingen"

  Scenario: Et svar om et annet fagområde hører hjemme i en ny tråd
    Gitt at Fredrikstad kommune sendte en forespørsel mandag 2. februar 2026
    Og meldingen gjelder fagområdet "kirurgi"
    Og Sykehuset Østfold svarte tirsdag 3. februar 2026
    Og meldingen gjelder fagområdet "medisin"
    Når overvåkingen har sett meldingene
    Så finner overvåkingen "meldingen gjelder en annen problemstilling enn tråden"
    Og funnet viser til § Utforming og innhold 7
    Og funnet er registrert
    Og funnet nevner "medisin"

  Scenario: Et svar med et annet emne enn tråden gir et råd
    Gitt at Fredrikstad kommune sendte en forespørsel mandag 2. februar 2026
    Og feltet "melding.emne" er "Sårstell etter operasjon"
    Og Sykehuset Østfold svarte tirsdag 3. februar 2026
    Og feltet "melding.emne" er "Legemiddelliste ved innleggelse"
    Når overvåkingen har sett meldingene
    Så finner overvåkingen "meldingen gjelder en annen problemstilling enn tråden"
    Og funnet viser til § Utforming og innhold 7
    Og funnet nevner "Emnet i tråden har endret seg"

  Scenario: Et svar som bare bekrefter mottak
    Gitt at Fredrikstad kommune sendte en forespørsel mandag 2. februar 2026
    Og Sykehuset Østfold svarte tirsdag 3. februar 2026
    Og meldingen har formålet "bekreftelse på mottak"
    Når overvåkingen har sett meldingene
    Så finner overvåkingen "meldingen bare bekrefter mottak"
    Og funnet viser til § Felles ansvar 4
    Og funnet er registrert

  Scenario: Et svar med bare «Takk for meldingen» gir et råd
    Gitt at Fredrikstad kommune sendte en forespørsel mandag 2. februar 2026
    Og Sykehuset Østfold svarte tirsdag 3. februar 2026
    Og meldingen har teksten "Takk for meldingen!"
    Når overvåkingen har sett meldingene
    Så finner overvåkingen "meldingen bare bekrefter mottak"
    Og funnet nevner "ser ut til"

  Scenario: En avvisning som kommer fram før meldingen, hører likevel til meldingen
    Gitt at overvåkingen venter inntil 1 time på hendelser som kommer fram sent
    Og at Fredrikstad kommune sendte en forespørsel mandag 2. februar 2026 kl. 09:00
    Og vi sendte meldingen
    Og det kom en applikasjonskvittering med status avvist mandag 2. februar 2026 kl. 09:01
    Når overvåkingen får hendelsene i omvendt rekkefølge
    Så finner overvåkingen "meldingen ble avvist av mottakeren"
    Og funnet er registrert
    Når det er onsdag 4. februar 2026
    Så finner overvåkingen ikke "applikasjonskvitteringen mangler"
