# language: no
Egenskap: Dialogmeldinger mellom Helse Bergen og kommunene (D81023)
  Som samhandlingskoordinator vil jeg vite at Dialogvakt følger retningslinje D81023,
  slik at meldinger som ikke skal sendes som dialogmelding blir stoppet med en forklaring,
  og at riktige meldinger går gjennom.

  Bakgrunn:
    Gitt at retningslinjen "helse-bergen-d81023" brukes
    Og at tidspunktet er mandag 2. juni 2025 kl. 10:00

  Scenario: Hjemmesykepleien spør lungeavdelingen om en nylig utskrevet pasient
    Gitt at hjemmesykepleien i Bergen sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og pasienten ble utskrevet for 5 dager siden
    Og meldingen har formålet "avklaring"
    Og meldingen har teksten "Lungesykdommer: Hvor ofte skal oksygenmetningen måles hjemme?"
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "d81023-2-nylig-utskrevet" slår ikke til
    Og svarfristen er fra torsdag 5. juni 2025 til tirsdag 10. juni 2025
    Og retningslinjen gjelder

  Scenariomal: Pasientens forløp avgjør om dialogmelding kan brukes
    Gitt at Bergen kommune sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og pasienten er <status>
    Når meldingen vurderes
    Så er meldingen <utfall>

    Eksempler:
      | status                     | utfall   |
      | i poliklinisk forløp       | tillatt  |
      | henvist                    | tillatt  |
      | uten kontakt med sykehuset | avvist   |
      | innlagt                    | avvist   |

  Scenariomal: Hvor lenge etter utskrivning en pasient regnes som nylig utskrevet
    Gitt at Bergen kommune sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og pasienten ble utskrevet for <dager> dager siden
    Når meldingen vurderes
    Så er meldingen <utfall>

    Eksempler:
      | dager | utfall  |
      | 1     | tillatt |
      | 30    | tillatt |
      | 31    | avvist  |
      | 400   | avvist  |

  Scenario: Det mangler opplysning om hvor pasienten er i forløpet
    Gitt at Bergen kommune sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Når meldingen vurderes
    Så er meldingen ubestemt
    Og det mangler opplysning om "kontekst.pasientstatus"

  Scenario: Utskrevet pasient uten utskrivningsdato kan ikke avgjøres
    Gitt at Bergen kommune sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og pasienten er utskrevet
    Når meldingen vurderes
    Så er meldingen ubestemt
    Og det mangler opplysning om "kontekst.utskrevet_dato"

  Scenariomal: Dialogmelding gjelder navngitte pasienter med fødselsnummer eller D-nummer
    Gitt at Bergen kommune sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og pasienten er i poliklinisk forløp
    Og pasienten har <nummer>
    Når meldingen vurderes
    Så er meldingen <utfall>

    Eksempler:
      | nummer         | utfall  |
      | fødselsnummer  | tillatt |
      | D-nummer       | tillatt |
      | H-nummer       | avvist  |

  Scenario: Et pasientnummer med feil kontrollsiffer avvises uten at nummeret vises
    Gitt at Bergen kommune sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og pasienten er i poliklinisk forløp
    Og pasientnummeret er "01017012345"
    Når meldingen vurderes
    Så avvises meldingen med feil i feltet "$.melding.pasient.id"

  Scenario: Meldingen må adresseres til en tjeneste
    Gitt at Bergen kommune sender en forespørsel til Haukeland universitetssjukehus
    Og pasienten er i poliklinisk forløp
    Når meldingen vurderes
    Så er meldingen avvist
    Og regelen "d81023-2-tjenestebasert-adressering" slår til

  Scenariomal: Bare forespørsel og svar på forespørsel kan brukes
    Gitt at Bergen kommune sender <type> til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og pasienten er i poliklinisk forløp
    Når meldingen vurderes
    Så er meldingen <utfall>
    Og regelen "d81023-3-meldingstype" <slår>

    Eksempler:
      | type                     | utfall  | slår          |
      | en forespørsel           | tillatt | slår ikke til |
      | et svar på forespørsel   | tillatt | slår ikke til |
      | et notat                 | avvist  | slår til      |

  Scenario: Avvik skal meldes i avvikssystemet, ikke som dialogmelding
    Gitt at Bergen kommune sender en avviksmelding til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og pasienten er i poliklinisk forløp
    Når meldingen vurderes
    Så er meldingen avvist
    Og begrunnelsen viser til § 5.5
    Og det foreslås "avvikssystemet"

  Scenario: Kun ren tekst
    Gitt at Bergen kommune sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og pasienten er i poliklinisk forløp
    Og meldingen er formatert som "text/html"
    Når meldingen vurderes
    Så er meldingen avvist
    Og begrunnelsen viser til § 4.5

  Scenario: Vedlegg når ikke fram til mottakeren
    Gitt at Bergen kommune sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og pasienten er i poliklinisk forløp
    Og meldingen har ett vedlegg
    Når meldingen vurderes
    Så er meldingen avvist
    Og regelen "d81023-4.5-vedlegg" slår til

  Scenario: Ren tekst uten vedlegg går gjennom
    Gitt at Bergen kommune sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og pasienten er i poliklinisk forløp
    Og meldingen er formatert som "text/plain"
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "d81023-4.5-vedlegg" slår ikke til
    Og regelen "d81023-4.5-ren-tekst" slår ikke til

  Scenario: En dialogmelding kan bare ha én mottaker
    Gitt at Haukeland universitetssjukehus sender en forespørsel til tjenesten "Sykepleiertjeneste" i Bergen kommune
    Og meldingen sendes også til tjenesten "Saksbehandling" i Bergen kommune
    Og pasienten er i poliklinisk forløp
    Når meldingen vurderes
    Så er meldingen avvist
    Og begrunnelsen viser til § 4.6

  Scenariomal: Formål som dialogmelding ikke skal brukes til
    Gitt at Bergen kommune sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og pasienten er i poliklinisk forløp
    Og meldingen har formålet "<formål>"
    Når meldingen vurderes
    Så er meldingen avvist
    Og begrunnelsen viser til § <paragraf>

    Eksempler:
      | formål                    | paragraf |
      | øyeblikkelig hjelp        | 5.1      |
      | bekreftelse på mottak     | 5.2      |
      | generell veiledning       | 5.3      |
      | administrativ diskusjon   | 5.4      |
      | avviksmelding             | 5.5      |

  Scenariomal: Formål som er i tråd med retningslinjen
    Gitt at Bergen kommune sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og pasienten er i poliklinisk forløp
    Og meldingen har formålet "<formål>"
    Når meldingen vurderes
    Så er meldingen tillatt

    Eksempler:
      | formål                          |
      | avklaring                       |
      | etterspørre opplysninger        |
      | ettersending av opplysninger    |
      | arbeidsdeling om pasienten      |

  Scenario: Øyeblikkelig hjelp oppgitt som hastegrad stoppes, og telefon foreslås
    Gitt at Bergen kommune sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og pasienten er i poliklinisk forløp
    Og meldingen har hastegrad "øyeblikkelig hjelp"
    Når meldingen vurderes
    Så er meldingen avvist
    Og regelen "d81023-5.1-oyeblikkelig-hjelp" slår til
    Og det foreslås "telefon"

  Scenario: Ord om akutt sykdom i teksten gir råd, men stopper ikke meldingen alene
    Gitt at Bergen kommune sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og pasienten er i poliklinisk forløp
    Og meldingen har teksten "Lungesykdommer: Pasienten har fått brystsmerter i dag, hva gjør vi?"
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "d81023-5.1-hast-i-tekst" slår til
    Og regelen "d81023-5.1-oyeblikkelig-hjelp" slår ikke til

  Scenario: En melding som bare bekrefter mottak gir råd om at den ikke skal sendes
    Gitt at Haukeland universitetssjukehus sender et svar på forespørsel til tjenesten "Sykepleiertjeneste" i Bergen kommune
    Og pasienten er i poliklinisk forløp
    Og meldingen har teksten "Takk for meldingen!"
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "d81023-5.2-bekreftelse-i-tekst" slår til

  Scenario: Et vanlig svar gir ikke råd om ren bekreftelse
    Gitt at Haukeland universitetssjukehus sender et svar på forespørsel til tjenesten "Sykepleiertjeneste" i Bergen kommune
    Og pasienten er i poliklinisk forløp
    Og meldingen har teksten "Sykepleiertjeneste: Metningen skal måles morgen og kveld i to uker."
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "d81023-5.2-bekreftelse-i-tekst" slår ikke til
    Og regelen "d81023-5.2-bekreftelse" slår ikke til

  Scenario: Pasienten er ikke kjent for sykehuset fra før
    Gitt at Bergen kommune sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og pasienten er ikke kjent for sykehuset
    Når meldingen vurderes
    Så er meldingen avvist
    Og regelen "d81023-5.3-pasient-ukjent" slår til

  Scenario: Innlagt pasient – dialog om utskrivning skal gå via PLO Innleggelse
    Gitt at hjemmesykepleien i Bergen sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og pasienten er innlagt
    Og meldingen har formålet "planlegging av utskrivning"
    Når meldingen vurderes
    Så er meldingen avvist
    Og begrunnelsen viser til § 5.6
    Og det foreslås "PLO Innleggelse Somatikk"
    Og det foreslås "PLO Innleggelse Psykiatri"

  Scenario: Innlagt pasient – melding til PLO Innleggelse Somatikk er riktig vei
    Gitt at hjemmesykepleien i Bergen sender en forespørsel til tjenesten "PLO Innleggelse Somatikk" ved Haukeland universitetssjukehus
    Og pasienten er innlagt
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "d81023-5.6-innlagt-pasient" slår ikke til

  # § 7 er en liste over adresser «som det er mulig å sende dialogmelding til i dag»: den beskriver
  # hvem som er koblet opp, og stenger ikke for andre. En ukjent tjeneste gir et råd om å sjekke adressen.
  Scenariomal: Sykehuset bruker kommunens tjenesteadresser fra § 7
    Gitt at Haukeland universitetssjukehus sender en forespørsel til tjenesten "<tjeneste>" i Bergen kommune
    Og pasienten er i poliklinisk forløp
    Når meldingen vurderes
    Så er meldingen tillatt
    Og det <råd> råd etter § 7

    Eksempler:
      | tjeneste                              | råd      |
      | Sykepleiertjeneste                    | gis ikke |
      | Saksbehandling                        | gis ikke |
      | Ergoterapi, PLO                       | gis ikke |
      | Kreftkoordinator                      | gis ikke |
      | Øyeblikkelig hjelp døgntilbud (ØHD)   | gis ikke |
      | Tannhelsetjenesten                    | gis      |

  Scenariomal: Ikke dialogmelding til laboratorium og røntgen for pasienter som ikke er innlagt
    Gitt at Bergen kommune sender en forespørsel til tjenesten "<tjeneste>" ved Haukeland universitetssjukehus
    Og pasienten er <status>
    Når meldingen vurderes
    Så er meldingen <utfall>
    Og regelen "d81023-8-lab-rontgen" <slår>

    Eksempler:
      | tjeneste                          | status               | utfall  | slår          |
      | Laboratorium for klinisk biokjemi | i poliklinisk forløp | avvist  | slår til      |
      | Røntgen                           | i poliklinisk forløp | avvist  | slår til      |
      | Radiologisk avdeling              | i poliklinisk forløp | avvist  | slår til      |
      | Lungesykdommer                    | i poliklinisk forløp | tillatt | slår ikke til |
      | Røntgen                           | innlagt              | avvist  | slår ikke til |

  Scenario: Skriverådene i § 4 gir råd, ikke avvisning
    Gitt at Bergen kommune sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og pasienten er i poliklinisk forløp
    Og meldingen har teksten "Hei. Pas. har evt. behov for ny time ca. neste uke."
    Når meldingen vurderes
    Så er meldingen tillatt
    Og det gis råd etter § 4.1
    Og det gis råd etter § 4.2
    Og det gis råd etter § 4.3
    Og det gis råd etter § 4.4

  Scenario: En godt skrevet melding får ingen skriveråd
    Gitt at Bergen kommune sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og pasienten er i poliklinisk forløp
    Og meldingen er skrevet av "sykepleier Ola Hansen, hjemmesykepleien Årstad"
    Og meldingen viser til epikrisen fra 28. mai 2025
    Og meldingen har teksten "Lungesykdommer: Skal pasienten fortsette med oksygen om natten?"
    Når meldingen vurderes
    Så er meldingen tillatt
    Og det gis ikke råd etter § 4.1
    Og det gis ikke råd etter § 4.2
    Og det gis ikke råd etter § 4.3
    Og det gis ikke råd etter § 4.4

  Scenario: Lange meldinger får råd om å skrive kortfattet
    Gitt at Bergen kommune sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og pasienten er i poliklinisk forløp
    Og meldingsteksten er 3000 tegn lang
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "d81023-2-kortfattet" slår til

  Scenario: Svar på forespørsel har ingen ny svarfrist
    Gitt at Haukeland universitetssjukehus sender et svar på forespørsel til tjenesten "Sykepleiertjeneste" i Bergen kommune
    Og pasienten er i poliklinisk forløp
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "d81023-6-svartid" slår ikke til

  Scenario: Svarfristen hopper over påskehelgen
    Gitt at tidspunktet er onsdag 16. april 2025 kl. 09:00
    Og at Bergen kommune sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og pasienten er i poliklinisk forløp
    Når meldingen vurderes
    Så er meldingen tillatt
    Og svarfristen er fra torsdag 24. april 2025 til mandag 28. april 2025

  Scenario: Etter 20. mars 2026 er retningslinjen utløpt, men vurderes likevel
    Gitt at tidspunktet er mandag 23. november 2026 kl. 10:00
    Og at Bergen kommune sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og pasienten er i poliklinisk forløp
    Når meldingen vurderes
    Så er meldingen tillatt
    Og retningslinjen er utløpt
