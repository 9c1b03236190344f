# language: no
Egenskap: Pleie- og omsorgsmeldinger og dialog under innleggelse ved Sykehuset Østfold
  Som samhandlingskoordinator vil jeg at Dialogvakt følger SØs side om digital samhandling:
  pleie- og omsorgsmeldinger sendes av riktig part mens pasienten er innlagt, tidligmeldingen
  kommer fram innen 24 timer, avvik meldes riktig, og dialog under innleggelse gjelder
  planlegging av utskrivelsen mellom de rette tjenestene.

  Bakgrunn:
    Gitt at retningslinjen "sykehuset-ostfold-plo" brukes
    Og at tidspunktet er mandag 2. juni 2025 kl. 10:00

  Scenario: Tidligmeldingen sendes innen 24 timer etter innleggelsen
    Gitt at PLO-mottaket ved Sykehuset Østfold sender en tidligmelding til tjenesten "Sykepleietjeneste" i Sarpsborg kommune
    Og pasienten ble lagt inn for 20 timer siden
    Når meldingen vurderes
    Så er meldingen tillatt
    Og det gis en plikt om "tidligmelding"
    Og fristen "senest" er 2. juni 2025 kl. 14:00
    Og regelen "so-plo-tidligmelding-for-sent" slår ikke til
    Og regelen "so-plo-under-innleggelse" slår ikke til

  Scenario: Meldingen om innlagt pasient starter fristen for tidligmeldingen
    Gitt at PLO-mottaket ved Sykehuset Østfold sender en melding om innlagt pasient til tjenesten "Sykepleietjeneste" i Sarpsborg kommune
    Og pasienten ble lagt inn 2. juni 2025 kl. 09:30
    Og pasienten har vedtak om "sykepleie"
    Når meldingen vurderes
    Så er meldingen tillatt
    Og fristen "senest" er 3. juni 2025 kl. 09:30
    Og regelen "so-plo-melding-om-innlagt-pasient-bruker" slår ikke til

  Scenario: Melding om innlagt pasient for en som ikke har kommunale tjenester gir råd
    Gitt at PLO-mottaket ved Sykehuset Østfold sender en melding om innlagt pasient til tjenesten "Sykepleietjeneste" i Sarpsborg kommune
    Og pasienten ble lagt inn 2. juni 2025 kl. 09:30
    Og pasienten ikke har vedtak om kommunale tjenester
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "so-plo-melding-om-innlagt-pasient-bruker" slår til

  Scenario: En tidligmelding 30 timer etter innleggelsen kommer for sent
    Gitt at PLO-mottaket ved Sykehuset Østfold sender en tidligmelding til tjenesten "Sykepleietjeneste" i Sarpsborg kommune
    Og pasienten ble lagt inn for 30 timer siden
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "so-plo-tidligmelding-for-sent" slår til
    Og det gis råd etter "Meldingstyper og bruksområder"

  Scenariomal: Hvem sender hvilken pleie- og omsorgsmelding
    Gitt at <avsender> sender <melding> til <mottaker>
    Og pasienten er innlagt
    Når meldingen vurderes
    Så er meldingen <utfall>
    Og regelen "<regel>" <slår>

    Eksempler:
      | avsender                                            | melding                                  | mottaker                                             | utfall  | regel                                     | slår          |
      | PLO-mottaket ved Sykehuset Østfold                  | en melding om innlagt pasient            | hjemmesykepleien i Moss                              | tillatt | so-plo-melding-om-innlagt-pasient-retning | slår ikke til |
      | hjemmesykepleien i Moss                             | en melding om innlagt pasient            | PLO-mottaket ved Sykehuset Østfold                   | avvist  | so-plo-melding-om-innlagt-pasient-retning | slår til      |
      | hjemmesykepleien i Moss                             | en innleggelsesrapport                   | PLO-mottaket ved Sykehuset Østfold                   | tillatt | so-plo-innleggelsesrapport-retning        | slår ikke til |
      | PLO-mottaket ved Sykehuset Østfold                  | en innleggelsesrapport                   | hjemmesykepleien i Moss                              | avvist  | so-plo-innleggelsesrapport-retning        | slår til      |
      | hjemmesykepleien i Moss                             | en tidligmelding                         | PLO-mottaket ved Sykehuset Østfold                   | avvist  | so-plo-tidligmelding-retning              | slår til      |
      | PLO-mottaket ved Sykehuset Østfold                  | en endringsmelding                       | hjemmesykepleien i Moss                              | tillatt | so-plo-endringsmelding-retning            | slår ikke til |
      | hjemmesykepleien i Moss                             | en endringsmelding                       | PLO-mottaket ved Sykehuset Østfold                   | avvist  | so-plo-endringsmelding-retning            | slår til      |
      | PLO-mottaket ved Sykehuset Østfold                  | en helseopplysning                       | hjemmesykepleien i Moss                              | tillatt | so-plo-helseopplysning-retning            | slår ikke til |
      | hjemmesykepleien i Moss                             | en helseopplysning                       | PLO-mottaket ved Sykehuset Østfold                   | avvist  | so-plo-helseopplysning-retning            | slår til      |
      | PLO-mottaket ved Sykehuset Østfold                  | en melding om utskrivningsklar pasient   | hjemmesykepleien i Moss                              | tillatt | so-plo-utskrivningsklar-retning           | slår ikke til |
      | hjemmesykepleien i Moss                             | en melding om utskrivningsklar pasient   | PLO-mottaket ved Sykehuset Østfold                   | avvist  | so-plo-utskrivningsklar-retning           | slår til      |
      | PLO-mottaket ved Sykehuset Østfold                  | en avmelding av utskrivningsklar pasient | hjemmesykepleien i Moss                              | tillatt | so-plo-avmelding-retning                  | slår ikke til |
      | hjemmesykepleien i Moss                             | en avmelding av utskrivningsklar pasient | PLO-mottaket ved Sykehuset Østfold                   | avvist  | so-plo-avmelding-retning                  | slår til      |
      | PLO-mottaket ved Sykehuset Østfold                  | en melding om utskrevet pasient          | hjemmesykepleien i Moss                              | tillatt | so-plo-utskrevet-retning                  | slår ikke til |
      | hjemmesykepleien i Moss                             | en melding om utskrevet pasient          | PLO-mottaket ved Sykehuset Østfold                   | avvist  | so-plo-utskrevet-retning                  | slår til      |

  Scenario: Melding om utskrevet pasient sendes idet pasienten skrives ut
    Gitt at PLO-mottaket ved Sykehuset Østfold sender en melding om utskrevet pasient til hjemmesykepleien i Moss
    Og pasienten ble utskrevet 2. juni 2025
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "so-plo-under-innleggelse" slår ikke til

  Scenariomal: Pleie- og omsorgsmeldinger utenfor innleggelsen er avvik fra avtalt rutine
    Gitt at PLO-mottaket ved Sykehuset Østfold sender <melding> til hjemmesykepleien i Moss
    Og pasienten er <status>
    Når meldingen vurderes
    Så er meldingen avvist
    Og regelen "so-plo-under-innleggelse" slår til
    Og begrunnelsen viser til "Viktig å merke seg ved elektronisk meldingsutveksling"

    Eksempler:
      | melding                                | status               |
      | en helseopplysning                     | i poliklinisk forløp |
      | en endringsmelding                     | utskrevet            |
      | en melding om utskrivningsklar pasient | henvist              |

  Scenario: En helseopplysning etter at innleggelsen var slutt
    Gitt at PLO-mottaket ved Sykehuset Østfold sender en helseopplysning til hjemmesykepleien i Moss
    Og pasienten ble lagt inn 20. mai 2025 kl. 12:00 og skrevet ut 30. mai 2025 kl. 12:00
    Og feltet "kontekst.pasientstatus" mangler
    Når meldingen vurderes
    Så er meldingen avvist
    Og regelen "so-plo-under-innleggelse" slår til

  Scenario: Uten opplysning om innleggelsen kan meldingen ikke avgjøres
    Gitt at PLO-mottaket ved Sykehuset Østfold sender en helseopplysning til hjemmesykepleien i Moss
    Når meldingen vurderes
    Så er meldingen ubestemt
    Og det mangler opplysning om "kontekst.pasientstatus"
    Og det mangler opplysning om "kontekst.innleggelse"

  Scenariomal: Innleggelsesrapport før innleggelsen når overføring til akuttmottaket er avklart
    Gitt at tidspunktet er <tidspunkt>
    Og at hjemmesykepleien i Moss sender en innleggelsesrapport til PLO-mottaket ved Sykehuset Østfold
    Og pasienten er uten kontakt med sykehuset
    Og det <avklart> at pasienten skal overføres til akuttmottaket
    Når meldingen vurderes
    Så er meldingen <utfall>
    Og regelen "so-plo-innleggelsesrapport-for-innleggelse" <slår>

    Eksempler:
      | tidspunkt                      | avklart         | utfall  | slår          |
      | mandag 2. juni 2025 kl. 10:00  | er avklart      | tillatt | slår ikke til |
      | mandag 2. juni 2025 kl. 10:00  | ikke er avklart | avvist  | slår til      |
      | tirsdag 4. juni 2013 kl. 10:00 | er avklart      | avvist  | slår til      |
      | onsdag 5. juni 2013 kl. 10:00  | er avklart      | tillatt | slår ikke til |

  Scenario: Innleggelsesrapport før innleggelsen uten opplysning om overføring
    Gitt at hjemmesykepleien i Moss sender en innleggelsesrapport til PLO-mottaket ved Sykehuset Østfold
    Og pasienten er uten kontakt med sykehuset
    Når meldingen vurderes
    Så er meldingen ubestemt
    Og det mangler opplysning om "kontekst.overforing_akuttmottak_avklart"

  Scenariomal: Ikke pleie- og omsorgsmeldinger for pasienter med H-nummer
    Gitt at PLO-mottaket ved Sykehuset Østfold sender en helseopplysning til hjemmesykepleien i Moss
    Og pasienten er innlagt
    Og pasienten har <nummer>
    Når meldingen vurderes
    Så er meldingen <utfall>
    Og regelen "so-plo-h-nummer" <slår>

    Eksempler:
      | nummer        | utfall  | slår          |
      | fødselsnummer | tillatt | slår ikke til |
      | D-nummer      | tillatt | slår ikke til |
      | H-nummer      | avvist  | slår til      |

  Scenario: For H-nummer foreslås telefon og meldeskjema på papir
    Gitt at PLO-mottaket ved Sykehuset Østfold sender en melding om utskrivningsklar pasient til hjemmesykepleien i Moss
    Og pasienten er innlagt
    Og pasienten har H-nummer
    Når meldingen vurderes
    Så er meldingen avvist
    Og det foreslås "telefon"
    Og det foreslås "meldeskjema på papir"

  Scenariomal: Avviksmeldinger gjelder en konkret melding som er feilsendt eller teknisk feil
    Gitt at hjemmesykepleien i Moss sender en avviksmelding til PLO-mottaket ved Sykehuset Østfold
    Og pasienten er innlagt
    Og meldingen svarer på "<melding>"
    Og avviket gjelder "<gjelder>"
    Når meldingen vurderes
    Så er meldingen <utfall>
    Og regelen "so-plo-avvik-begrenset" <slår>

    Eksempler:
      | melding   | gjelder                        | utfall  | slår          |
      | melding-7 | feilsending eller feil adressat | tillatt | slår ikke til |
      | melding-7 | teknisk feil i meldingen       | tillatt | slår ikke til |
      | melding-7 | annet avvik                    | avvist  | slår til      |

  Scenario: En avviksmelding må vise til meldingen den gjelder
    Gitt at hjemmesykepleien i Moss sender en avviksmelding til PLO-mottaket ved Sykehuset Østfold
    Og pasienten er innlagt
    Og avviket gjelder "feilsending eller feil adressat"
    Når meldingen vurderes
    Så er meldingen avvist
    Og regelen "so-plo-avvik-konkret-melding" slår til

  Scenario: En avviksmelding som viser til meldingen den gjelder
    Gitt at PLO-mottaket ved Sykehuset Østfold sender en avviksmelding til hjemmesykepleien i Moss
    Og pasienten er innlagt
    Og meldingen svarer på "melding-3"
    Og avviket gjelder "teknisk feil i meldingen"
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "so-plo-avvik-konkret-melding" slår ikke til
    Og regelen "so-plo-avvik-arsak" slår ikke til

  Scenario: En avviksmelding som ikke sier hva avviket gjelder gir råd
    Gitt at hjemmesykepleien i Moss sender en avviksmelding til PLO-mottaket ved Sykehuset Østfold
    Og pasienten er innlagt
    Og meldingen svarer på "melding-7"
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "so-plo-avvik-arsak" slår til

  Scenario: Avvik på samhandlingsrutiner meldes i eget skjema, ikke som dialogmelding
    Gitt at hjemmesykepleien i Moss sender en forespørsel til PLO-mottaket ved Sykehuset Østfold
    Og pasienten er innlagt
    Og meldingen har formålet "avviksmelding"
    Når meldingen vurderes
    Så er meldingen avvist
    Og regelen "so-plo-avvik-skjema" slår til
    Og det foreslås "skjema"

  Scenario: Dialog under innleggelse om planlegging av utskrivelsen
    Gitt at hjemmesykepleien i Moss sender en forespørsel til tjenesten "Somatikk plo meldingsmottak" ved Sykehuset Østfold
    Og pasienten er innlagt
    Og meldingen har formålet "planlegging av utskrivning"
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "so-plo-dialog-utskrivning" slår ikke til
    Og regelen "so-plo-dialog-utskrivning-formal" slår ikke til
    Og regelen "so-plo-dialog-kommunal-tjeneste" slår ikke til
    Og regelen "so-plo-dialog-plo-mottak" slår ikke til
    Og regelen "so-plo-dialog-kun-innlagt" slår ikke til
    Og regelen "so-plo-avvik-skjema" slår ikke til
    Og regelen "so-plo-dialog-meldingstype" slår ikke til

  Scenario: Dialog under innleggelse om noe annet enn utskrivelsen
    Gitt at hjemmesykepleien i Moss sender en forespørsel til PLO-mottaket ved Sykehuset Østfold
    Og pasienten er innlagt
    Og meldingen har formålet "avklaring"
    Når meldingen vurderes
    Så er meldingen avvist
    Og regelen "so-plo-dialog-utskrivning" slår til

  Scenario: Dialog under innleggelse uten oppgitt formål gir råd
    Gitt at hjemmesykepleien i Moss sender en forespørsel til PLO-mottaket ved Sykehuset Østfold
    Og pasienten er innlagt
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "so-plo-dialog-utskrivning-formal" slår til

  Scenariomal: Under innleggelse bare saksbehandling, sykepleietjeneste eller legetjeneste i kommunen
    Gitt at tjenesten "<tjeneste>" i Moss kommune sender en forespørsel til PLO-mottaket ved Sykehuset Østfold
    Og pasienten er innlagt
    Og meldingen har formålet "planlegging av utskrivning"
    Når meldingen vurderes
    Så er meldingen <utfall>
    Og regelen "so-plo-dialog-kommunal-tjeneste" <slår>

    Eksempler:
      | tjeneste                  | utfall  | slår          |
      | Saksbehandling            | tillatt | slår ikke til |
      | Sykepleiertjeneste        | tillatt | slår ikke til |
      | Legetjeneste ved sykehjem | tillatt | slår ikke til |
      | Fysioterapi, PLO          | avvist  | slår til      |
      | Psykisk helsetjeneste     | avvist  | slår til      |

  Scenariomal: Under innleggelse bare sykehusets PLO-meldingsmottak
    Gitt at hjemmesykepleien i Moss sender en forespørsel til tjenesten "<tjeneste>" ved Sykehuset Østfold
    Og pasienten er innlagt
    Og meldingen har formålet "planlegging av utskrivning"
    Når meldingen vurderes
    Så er meldingen <utfall>
    Og regelen "so-plo-dialog-plo-mottak" <slår>

    Eksempler:
      | tjeneste                    | utfall  | slår          |
      | Somatikk plo meldingsmottak | tillatt | slår ikke til |
      | Psykiatri plo meldingsmottak| tillatt | slår ikke til |
      | PLO Innleggelse Somatikk    | tillatt | slår ikke til |
      | Geriatri                    | avvist  | slår til      |

  Scenario: PLO-meldingsmottaket er ikke for pasienter som ikke er innlagt
    Gitt at hjemmesykepleien i Moss sender en forespørsel til PLO-mottaket ved Sykehuset Østfold
    Og pasienten ble utskrevet for 3 dager siden
    Når meldingen vurderes
    Så er meldingen avvist
    Og regelen "so-plo-dialog-kun-innlagt" slår til
    Og det foreslås "Vedlegg 1"

  # «skal kun benyttes i forbindelse med at pasienten er innlagt i sykehuset» gjelder dialog under
  # innleggelse. Ås, Aurskog-Høland og Ski utveksler meldinger med SØ; dialog om en pasient i poliklinisk
  # forløp vurderes etter SØs retningslinje for dialogmeldinger og stoppes ikke av denne avgrensningen.
  Scenariomal: Med Ås kommune gjelder avgrensningene for dialog under innleggelse, ikke for polikliniske pasienter
    Gitt at tjenesten "Sykepleietjeneste" i Ås kommune sender en forespørsel til <mottaker>
    Og pasienten er <status>
    Og meldingen har formålet "<formål>"
    Når meldingen vurderes
    Så er meldingen <utfall>

    Eksempler:
      | mottaker                                          | status               | formål                     | utfall       |
      | PLO-mottaket ved Sykehuset Østfold                | innlagt              | planlegging av utskrivning | tillatt      |
      | PLO-mottaket ved Sykehuset Østfold                | innlagt              | avklaring                  | avvist       |
      | tjenesten "Hjertesykdommer" ved Sykehuset Østfold | i poliklinisk forløp | avklaring                  | ikke aktuell |

  Scenario: Med en kommune SØ ikke utveksler meldinger med stoppes også dialog om polikliniske pasienter
    Gitt at tjenesten "Sykepleietjeneste" i Oslo kommune sender en forespørsel til tjenesten "Hjertesykdommer" ved Sykehuset Østfold
    Og pasienten er i poliklinisk forløp
    Når meldingen vurderes
    Så er meldingen avvist
    Og regelen "so-plo-kommune" slår til
    Og regelen "so-plo-dialog-kun-innlagt" slår ikke til

  Scenariomal: SØ utveksler pleie- og omsorgsmeldinger elektronisk med kommunene i Østfold og fire utenfor
    Gitt at PLO-mottaket ved Sykehuset Østfold sender en helseopplysning til tjenesten "Sykepleietjeneste" i <kommune>
    Og pasienten er innlagt
    Når meldingen vurderes
    Så er meldingen <utfall>
    Og regelen "so-plo-kommune" <slår>

    Eksempler:
      | kommune                | utfall  | slår          |
      | Fredrikstad kommune    | tillatt | slår ikke til |
      | Indre Østfold kommune  | tillatt | slår ikke til |
      | Vestby kommune         | tillatt | slår ikke til |
      | Ås kommune             | tillatt | slår ikke til |
      | Aurskog-Høland kommune | tillatt | slår ikke til |
      | Oslo kommune           | avvist  | slår til      |

  Scenariomal: Trengs rask avklaring utenfor kontortid, ring
    Gitt at tidspunktet er <tidspunkt>
    Og at hjemmesykepleien i Moss sender <melding> til PLO-mottaket ved Sykehuset Østfold
    Og pasienten er innlagt
    Og meldingen har formålet "planlegging av utskrivning"
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "so-plo-telefon-utenfor-kontortid" <slår>

    Eksempler:
      | tidspunkt                        | melding                | slår          |
      | tirsdag 3. juni 2025 kl. 11:00   | en forespørsel         | slår ikke til |
      | tirsdag 3. juni 2025 kl. 15:59   | en forespørsel         | slår ikke til |
      | tirsdag 3. juni 2025 kl. 16:00   | en forespørsel         | slår til      |
      | tirsdag 3. juni 2025 kl. 07:30   | en forespørsel         | slår til      |
      | lørdag 7. juni 2025 kl. 21:30    | en forespørsel         | slår til      |
      | mandag 9. juni 2025 kl. 11:00    | en forespørsel         | slår til      |
      | lørdag 7. juni 2025 kl. 21:30    | et svar på forespørsel | slår ikke til |

  Scenario: Et notat under innleggelse er ikke en av dialogmeldingstypene
    Gitt at hjemmesykepleien i Moss sender et notat til PLO-mottaket ved Sykehuset Østfold
    Og pasienten er innlagt
    Når meldingen vurderes
    Så er meldingen avvist
    Og regelen "so-plo-dialog-meldingstype" slår til
