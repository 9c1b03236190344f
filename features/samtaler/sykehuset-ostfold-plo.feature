# language: no
Egenskap: Tidligmelding og PLO-meldinger rundt en innleggelse (SØ, digital samhandling)
  Som samhandlingskoordinator i kommunen vil jeg vite når tidligmeldingen ikke kom
  innen 24 timer, og når det er sendt pleie- og omsorgsmeldinger uten at pasienten
  var innlagt, slik at vi kan følge det opp etter avtalt rutine.

  Bakgrunn:
    Gitt at retningslinjen "sykehuset-ostfold-plo" brukes

  Scenario: Tidligmeldingen kommer ikke innen 24 timer
    Gitt at Sykehuset Østfold la inn pasienten mandag 2. februar 2026 kl. 08:00
    Når det er tirsdag 3. februar 2026 kl. 08:00
    Så finner overvåkingen ikke "tidligmeldingen er forsinket"
    Når det er tirsdag 3. februar 2026 kl. 09:00
    Så finner overvåkingen "tidligmeldingen er forsinket"
    Og funnet er åpent
    Og funnet nevner "24 timer"

  Scenario: Tidligmeldingen kommer i tide
    Gitt at Sykehuset Østfold la inn pasienten mandag 2. februar 2026 kl. 08:00
    Og Sykehuset Østfold sendte en tidligmelding til Fredrikstad kommune mandag 2. februar 2026 kl. 15:00
    Når det er fredag 6. februar 2026
    Så finner overvåkingen ingenting

  Scenario: 24 timer er 24 timer, også natten sommertiden begynner
    # «Skal være kommunen i hende innen 24 timer etter innleggelse»: klokka stilles fram natt til
    # 29. mars 2026, så 24 timer etter lørdag kl. 08:00 er søndag kl. 09:00.
    Gitt at Sykehuset Østfold la inn pasienten lørdag 28. mars 2026 kl. 08:00
    Og Sykehuset Østfold sendte en tidligmelding til Fredrikstad kommune søndag 29. mars 2026 kl. 08:30
    Når det er mandag 30. mars 2026
    Så finner overvåkingen ingenting

  Scenario: 24 timer er 24 timer, også natten sommertiden slutter
    # Klokka stilles tilbake natt til 25. oktober 2026, så 24 timer etter lørdag kl. 08:00 er søndag kl. 07:00.
    Gitt at Sykehuset Østfold la inn pasienten lørdag 24. oktober 2026 kl. 08:00
    Og Sykehuset Østfold sendte en tidligmelding til Fredrikstad kommune søndag 25. oktober 2026 kl. 07:30
    Når det er mandag 26. oktober 2026
    Så finner overvåkingen "tidligmeldingen er forsinket"

  Scenario: Ingen tidligmelding trengs når pasienten ikke har kommunale tjenester
    Gitt at Sykehuset Østfold la inn pasienten mandag 2. februar 2026 kl. 08:00
    Og pasienten ikke mottar kommunale tjenester
    Når det er fredag 6. februar 2026
    Så finner overvåkingen ingenting

  Scenario: En endringsmelding etter utskrivning er et avvik
    Gitt at Sykehuset Østfold la inn pasienten mandag 2. februar 2026 kl. 08:00
    Og Sykehuset Østfold sendte en tidligmelding til Fredrikstad kommune mandag 2. februar 2026 kl. 15:00
    Og Sykehuset Østfold skrev ut pasienten torsdag 5. februar 2026 kl. 12:00
    Og Sykehuset Østfold sendte en endringsmelding til Fredrikstad kommune mandag 9. februar 2026 kl. 10:00
    Når det er tirsdag 10. februar 2026
    Så finner overvåkingen "PLO-meldingen er sendt utenfor en innleggelse"
    Og funnet nevner "9. februar 2026"

  Scenario: Innleggelsesrapport før overføring til akuttmottaket, men pasienten blir ikke lagt inn
    Gitt at feltet "kontekst.overforing_akuttmottak_avklart" er sann
    Og at Fredrikstad kommune sendte en innleggelsesrapport til Sykehuset Østfold mandag 2. februar 2026 kl. 10:00
    Når det er mandag 2. februar 2026 kl. 22:00
    Så finner overvåkingen ikke "PLO-meldingen er sendt utenfor en innleggelse"
    Når det er mandag 2. februar 2026 kl. 22:01
    Så finner overvåkingen "PLO-meldingen er sendt utenfor en innleggelse"
    Og funnet er åpent
    Og funnet nevner "akuttmottaket"

  Scenario: Innleggelsesrapport før overføring til akuttmottaket, og pasienten blir lagt inn
    Gitt at feltet "kontekst.overforing_akuttmottak_avklart" er sann
    Og at Fredrikstad kommune sendte en innleggelsesrapport til Sykehuset Østfold mandag 2. februar 2026 kl. 10:00
    Og Sykehuset Østfold la inn pasienten mandag 2. februar 2026 kl. 13:30
    Og Sykehuset Østfold sendte en tidligmelding til Fredrikstad kommune mandag 2. februar 2026 kl. 15:00
    Når det er onsdag 4. februar 2026
    Så finner overvåkingen ingenting

  # «skal kun benyttes i forhold til planlegging av utskrivelse»: overvåkingen vet at pasienten er
  # innlagt fra innleggelsen, også når meldingen selv ikke sier det.
  Scenario: En dialogmelding under innleggelsen som ikke gjelder utskrivelsen, er et avvik
    Gitt at Sykehuset Østfold la inn pasienten mandag 2. februar 2026 kl. 08:00
    Og pasienten ikke mottar kommunale tjenester
    Og hjemmesykepleien i Fredrikstad sendte en forespørsel til tjenesten "Lungesykdommer" ved Sykehuset Østfold tirsdag 3. februar 2026 kl. 10:00
    Og meldingen har formålet "avklaring"
    Når det er onsdag 4. februar 2026
    Så finner overvåkingen "dialogen under innleggelsen gjelder ikke planlegging av utskrivelse"
    Og funnet er registrert
    Og funnet nevner "planlegging av utskrivelse"

  Scenario: En dialogmelding under innleggelsen om planlegging av utskrivelsen er i orden
    Gitt at Sykehuset Østfold la inn pasienten mandag 2. februar 2026 kl. 08:00
    Og pasienten ikke mottar kommunale tjenester
    Og hjemmesykepleien i Fredrikstad sendte en forespørsel til PLO-mottaket ved Sykehuset Østfold tirsdag 3. februar 2026 kl. 10:00
    Og meldingen har formålet "planlegging av utskrivning"
    Når det er onsdag 4. februar 2026
    Så finner overvåkingen ingenting

  Scenario: Etter utskrivningen gjelder ikke avgrensningen for dialog under innleggelse
    Gitt at Sykehuset Østfold la inn pasienten mandag 2. februar 2026 kl. 08:00
    Og pasienten ikke mottar kommunale tjenester
    Og Sykehuset Østfold skrev ut pasienten torsdag 5. februar 2026 kl. 12:00
    Og hjemmesykepleien i Fredrikstad sendte en forespørsel til tjenesten "Lungesykdommer" ved Sykehuset Østfold mandag 9. februar 2026 kl. 10:00
    Og meldingen har formålet "avklaring"
    Når det er tirsdag 10. februar 2026
    Så finner overvåkingen ikke "dialogen under innleggelsen gjelder ikke planlegging av utskrivelse"

  Scenario: Innleggelsen blir kjent etter dialogmeldingen, og avviket blir funnet likevel
    Gitt at hjemmesykepleien i Fredrikstad sendte en forespørsel til tjenesten "Lungesykdommer" ved Sykehuset Østfold tirsdag 3. februar 2026 kl. 10:00
    Og meldingen har formålet "avklaring"
    Og Sykehuset Østfold la inn pasienten mandag 2. februar 2026 kl. 08:00
    Og pasienten ikke mottar kommunale tjenester
    Når det er onsdag 4. februar 2026
    Så finner overvåkingen "dialogen under innleggelsen gjelder ikke planlegging av utskrivelse"

  Scenario: Utskrivningen gir ikke et øyeblikk der pasienten ikke er innlagt
    # Tidligmeldingen kl. 15:00 er en PLO-melding; overvåkingen ser etter innleggelsen 12 timer senere,
    # tirsdag kl. 03:00. Utskrivningen kommer i den samme timen.
    Gitt at Sykehuset Østfold la inn pasienten mandag 2. februar 2026 kl. 08:00
    Og Sykehuset Østfold sendte en tidligmelding til Fredrikstad kommune mandag 2. februar 2026 kl. 15:00
    Og Sykehuset Østfold skrev ut pasienten tirsdag 3. februar 2026 kl. 03:30
    Når det er fredag 6. februar 2026
    Så finner overvåkingen ingenting
