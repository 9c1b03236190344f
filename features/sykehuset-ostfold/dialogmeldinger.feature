# language: no
Egenskap: Dialogmeldinger mellom Sykehuset Østfold og tjenestene i kommunene
  Som samhandlingskoordinator i Østfold vil jeg at Dialogvakt følger SØs retningslinjer for
  dialogmeldinger, slik at meldinger som ikke skal sendes blir stoppet med en forklaring som
  viser til retningslinjen, og at riktige meldinger går gjennom med forventet svartid.

  Bakgrunn:
    Gitt at retningslinjen "sykehuset-ostfold" brukes
    Og at tidspunktet er mandag 2. juni 2025 kl. 10:00

  Scenario: Hjemmesykepleien spør lungepoliklinikken om en pasient i poliklinisk forløp
    Gitt at hjemmesykepleien i Fredrikstad sender en forespørsel til tjenesten "Lungesykdommer" ved Sykehuset Østfold
    Og pasienten er i poliklinisk forløp
    Og meldingen er skrevet av "sykepleier Kari Holm, hjemmesykepleien Fredrikstad"
    Og meldingen viser til epikrisen fra 20. mai 2025
    Og meldingen har teksten "Lungesykdommer: Skal pasienten fortsatt bruke oksygen om natten?"
    Når meldingen vurderes
    Så er meldingen tillatt
    Og svarfristen er fra torsdag 5. juni 2025 til tirsdag 10. juni 2025
    Og det gis en plikt om "applikasjonskvittering"
    Og fristen "kvittering" er 3. juni 2025 kl. 10:00
    Og det gis ikke råd etter "Utforming og innhold 1"
    Og det gis ikke råd etter "Utforming og innhold 2"
    Og det gis ikke råd etter "Utforming og innhold 3"
    Og det gis ikke råd etter "Utforming og innhold 4"

  Scenario: Et svar på forespørsel får ingen ny svarfrist, men kvitteringen skal følges opp
    Gitt at tjenesten "Lungesykdommer" ved Sykehuset Østfold sender et svar på forespørsel til hjemmesykepleien i Fredrikstad
    Og pasienten er i poliklinisk forløp
    Og pasienten har vedtak om "sykepleie"
    Og meldingen svarer på "melding-1"
    Når meldingen vurderes
    Så er meldingen tillatt
    Og det gis ikke en plikt om "svarfrist"
    Og det gis en plikt om "applikasjonskvittering"

  Scenario: Svarfristen hopper over Kristi himmelfartsdag
    Gitt at tidspunktet er tirsdag 27. mai 2025 kl. 09:00
    Og at hjemmesykepleien i Fredrikstad sender en forespørsel til tjenesten "Lungesykdommer" ved Sykehuset Østfold
    Og pasienten er i poliklinisk forløp
    Når meldingen vurderes
    Så er meldingen tillatt
    Og svarfristen er fra mandag 2. juni 2025 til onsdag 4. juni 2025

  Scenariomal: Dialogmelding gjelder en navngitt pasient, ikke personer med bare hjelpenummer
    Gitt at hjemmesykepleien i Fredrikstad sender en forespørsel til tjenesten "Lungesykdommer" ved Sykehuset Østfold
    Og pasienten er i poliklinisk forløp
    Og pasienten har <nummer>
    Når meldingen vurderes
    Så er meldingen <utfall>
    Og regelen "so-definisjon-navngitt-pasient" <slår>

    Eksempler:
      | nummer        | utfall  | slår          |
      | fødselsnummer | tillatt | slår ikke til |
      | D-nummer      | tillatt | slår ikke til |
      | H-nummer      | avvist  | slår til      |

  Scenario: Uten pasientens nummer kan meldingen ikke vurderes ferdig
    Gitt at hjemmesykepleien i Fredrikstad sender en forespørsel til tjenesten "Lungesykdommer" ved Sykehuset Østfold
    Og pasienten er i poliklinisk forløp
    Og feltet "melding.pasient" mangler
    Når meldingen vurderes
    Så er meldingen ubestemt
    Og det mangler opplysning om "melding.pasient.id"

  Scenariomal: Dialogmelding kan brukes fra henvisningen er sendt
    Gitt at hjemmesykepleien i Fredrikstad sender en forespørsel til tjenesten "Lungesykdommer" ved Sykehuset Østfold
    Og pasienten er <status>
    Når meldingen vurderes
    Så er meldingen <utfall>
    Og regelen "so-omfang-fra-henvisning" <slår>

    Eksempler:
      | status                     | utfall  | slår          |
      | henvist                    | tillatt | slår ikke til |
      | i poliklinisk forløp       | tillatt | slår ikke til |
      | uten kontakt med sykehuset | avvist  | slår til      |

  Scenario: Pasienten har ikke vært i kontakt med sykehuset, men henvisningen er sendt
    Gitt at hjemmesykepleien i Fredrikstad sender en forespørsel til tjenesten "Lungesykdommer" ved Sykehuset Østfold
    Og pasienten er uten kontakt med sykehuset
    Og henvisningen ble sendt for 10 dager siden
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "so-omfang-fra-henvisning" slår ikke til

  Scenariomal: Dialogmelding kan brukes inntil 12 måneder etter siste kontakt på sykehuset
    Gitt at hjemmesykepleien i Fredrikstad sender en forespørsel til tjenesten "Lungesykdommer" ved Sykehuset Østfold
    Og pasienten ble utskrevet for 20 måneder siden
    Og siste kontakt med sykehuset var for <måneder> måneder siden
    Når meldingen vurderes
    Så er meldingen <utfall>
    Og regelen "so-omfang-12-maneder" <slår>

    Eksempler:
      | måneder | utfall  | slår          |
      | 2       | tillatt | slår ikke til |
      | 12      | tillatt | slår ikke til |
      | 13      | avvist  | slår til      |
      | 30      | avvist  | slår til      |

  Scenariomal: Uten senere kontakt regnes 12 måneder fra utskrivningen
    Gitt at hjemmesykepleien i Fredrikstad sender en forespørsel til tjenesten "Lungesykdommer" ved Sykehuset Østfold
    Og pasienten ble utskrevet for <måneder> måneder siden
    Når meldingen vurderes
    Så er meldingen <utfall>
    Og regelen "so-omfang-12-maneder-etter-utskrivning" <slår>

    Eksempler:
      | måneder | utfall  | slår          |
      | 3       | tillatt | slår ikke til |
      | 15      | avvist  | slår til      |

  Scenario: Det mangler opplysning om hvor pasienten er i forløpet
    Gitt at hjemmesykepleien i Fredrikstad sender en forespørsel til tjenesten "Lungesykdommer" ved Sykehuset Østfold
    Når meldingen vurderes
    Så er meldingen ubestemt
    Og det mangler opplysning om "kontekst.pasientstatus"

  Scenario: Skriverådene gir råd, ikke avvisning
    Gitt at hjemmesykepleien i Fredrikstad sender en forespørsel til tjenesten "Lungesykdommer" ved Sykehuset Østfold
    Og pasienten er i poliklinisk forløp
    Og meldingen har teksten "Hei. Pas. har evt. behov for ny time ca. neste uke."
    Når meldingen vurderes
    Så er meldingen tillatt
    Og det gis råd etter "Utforming og innhold 1"
    Og det gis råd etter "Utforming og innhold 2"
    Og det gis råd etter "Utforming og innhold 3"
    Og regelen "so-utforming-4-forkortelser" slår til
    Og regelen "so-utforming-4-kort" slår ikke til

  Scenario: Lange meldinger får råd om å skrive kort
    Gitt at hjemmesykepleien i Fredrikstad sender en forespørsel til tjenesten "Lungesykdommer" ved Sykehuset Østfold
    Og pasienten er i poliklinisk forløp
    Og meldingsteksten er 2000 tegn lang
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "so-utforming-4-kort" slår til

  Scenario: Kun ren tekst kan benyttes
    Gitt at hjemmesykepleien i Fredrikstad sender en forespørsel til tjenesten "Lungesykdommer" ved Sykehuset Østfold
    Og pasienten er i poliklinisk forløp
    Og meldingen er formatert som "text/html"
    Når meldingen vurderes
    Så er meldingen avvist
    Og begrunnelsen viser til "Utforming og innhold 6"
    Og regelen "so-utforming-6-ren-tekst" slår til

  Scenario: Vedlegg når ikke fram – legemiddellisten kan kopieres inn i teksten
    Gitt at tjenesten "Hjertesykdommer" ved Sykehuset Østfold sender en forespørsel til tjenesten "Sykepleietjeneste" i Sarpsborg kommune
    Og pasienten er i poliklinisk forløp
    Og pasienten har vedtak om "sykepleie"
    Og meldingen har ett vedlegg
    Når meldingen vurderes
    Så er meldingen avvist
    Og regelen "so-utforming-6-vedlegg" slår til
    Og det foreslås "legemiddellister kan kopieres inn"
    Og det gis ikke en plikt om "svarfrist"
    Og det gis ikke en plikt om "applikasjonskvittering"

  Scenario: Ren tekst uten vedlegg går gjennom
    Gitt at hjemmesykepleien i Fredrikstad sender en forespørsel til tjenesten "Lungesykdommer" ved Sykehuset Østfold
    Og pasienten er i poliklinisk forløp
    Og meldingen er formatert som "text/plain"
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "so-utforming-6-ren-tekst" slår ikke til
    Og regelen "so-utforming-6-vedlegg" slår ikke til

  # «Ikke bland fagområder» står blant skrivetipsene under «Utforming og innhold»: et råd, ikke en grunn
  # til å stoppe meldingen.
  Scenariomal: Ikke bland fagområder som kirurgi og medisin i samme melding
    Gitt at hjemmesykepleien i Fredrikstad sender en forespørsel til tjenesten "Ortopedisk kirurgi" ved Sykehuset Østfold
    Og pasienten er i poliklinisk forløp
    Og meldingen gjelder fagområdene <fagområder>
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "so-utforming-7-fagomrader" <slår>

    Eksempler:
      | fagområder                                  | slår          |
      | "kirurgi" og "medisin"                      | slår til      |
      | "Ortopedisk kirurgi" og "Lungesykdommer"    | slår til      |
      | "Ortopedisk kirurgi"                        | slår ikke til |
      | "Ortopedisk kirurgi" og "Karkirurgi"        | slår ikke til |
      | "Lungesykdommer" og "Hjertesykdommer"       | slår ikke til |

  Scenariomal: Dialogmelding skal ikke benyttes ved øyeblikkelig hjelp, generelle råd eller administrative diskusjoner
    Gitt at hjemmesykepleien i Fredrikstad sender en forespørsel til tjenesten "Lungesykdommer" ved Sykehuset Østfold
    Og pasienten er i poliklinisk forløp
    Og meldingen har formålet "<formål>"
    Når meldingen vurderes
    Så er meldingen avvist
    Og begrunnelsen viser til "<avsnitt>"
    Og regelen "<regel>" slår til

    Eksempler:
      | formål                  | avsnitt                                 | regel                      |
      | øyeblikkelig hjelp      | Dialogmelding skal ikke benyttes ved 1  | so-ikke-1-oyeblikkelig-hjelp |
      | generell veiledning     | Dialogmelding skal ikke benyttes ved 2  | so-ikke-2-generelle-rad    |
      | administrativ diskusjon | Dialogmelding skal ikke benyttes ved 3  | so-ikke-3-administrativ    |
      | bekreftelse på mottak   | Felles ansvar 4                         | so-ansvar-4-bekreftelse    |

  Scenariomal: Vanlige formål er i tråd med retningslinjen
    Gitt at hjemmesykepleien i Fredrikstad sender en forespørsel til tjenesten "Lungesykdommer" ved Sykehuset Østfold
    Og pasienten er i poliklinisk forløp
    Og meldingen har formålet "<formål>"
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "so-ikke-1-oyeblikkelig-hjelp" slår ikke til
    Og regelen "so-ikke-2-generelle-rad" slår ikke til
    Og regelen "so-ikke-3-administrativ" slår ikke til
    Og regelen "so-ansvar-4-bekreftelse" slår ikke til

    Eksempler:
      | formål                       |
      | avklaring                    |
      | etterspørre opplysninger     |
      | ettersending av opplysninger |

  Scenario: Øyeblikkelig hjelp som hastegrad stoppes, og telefon foreslås
    Gitt at hjemmesykepleien i Fredrikstad sender en forespørsel til tjenesten "Lungesykdommer" ved Sykehuset Østfold
    Og pasienten er i poliklinisk forløp
    Og meldingen har hastegrad "øyeblikkelig hjelp"
    Når meldingen vurderes
    Så er meldingen avvist
    Og regelen "so-ikke-1-oyeblikkelig-hjelp" slår til
    Og det foreslås "telefon"

  Scenario: Ord om akutt sykdom i teksten gir råd om å ringe, men stopper ikke meldingen alene
    Gitt at hjemmesykepleien i Fredrikstad sender en forespørsel til tjenesten "Lungesykdommer" ved Sykehuset Østfold
    Og pasienten er i poliklinisk forløp
    Og meldingen har teksten "Lungesykdommer: Pasienten fikk brystsmerter i natt, hva gjør vi videre?"
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "so-ikke-1-hast-i-tekst" slår til

  Scenario: En vanlig tekst gir ikke råd om øyeblikkelig hjelp
    Gitt at hjemmesykepleien i Fredrikstad sender en forespørsel til tjenesten "Lungesykdommer" ved Sykehuset Østfold
    Og pasienten er i poliklinisk forløp
    Og meldingen har teksten "Lungesykdommer: Skal oksygenet trappes ned neste uke?"
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "so-ikke-1-hast-i-tekst" slår ikke til
    Og regelen "so-ansvar-4-bekreftelse-i-tekst" slår ikke til

  Scenario: Et svar som bare takker gir råd om at slike meldinger ikke skal sendes
    Gitt at tjenesten "Lungesykdommer" ved Sykehuset Østfold sender et svar på forespørsel til hjemmesykepleien i Fredrikstad
    Og pasienten er i poliklinisk forløp
    Og pasienten har vedtak om "sykepleie"
    Og meldingen har teksten "Takk for meldingen!"
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "so-ansvar-4-bekreftelse-i-tekst" slår til

  Scenariomal: Bare Forespørsel og Svar på forespørsel kan brukes
    Gitt at hjemmesykepleien i Fredrikstad sender <type> til tjenesten "Lungesykdommer" ved Sykehuset Østfold
    Og pasienten er i poliklinisk forløp
    Når meldingen vurderes
    Så er meldingen <utfall>
    Og regelen "so-meldingstyper" <slår>

    Eksempler:
      | type                    | utfall  | slår          |
      | en forespørsel          | tillatt | slår ikke til |
      | et svar på forespørsel  | tillatt | slår ikke til |
      | et notat                | avvist  | slår til      |
      | en helsefaglig dialog   | avvist  | slår til      |

  Scenario: En melding til SØ må adresseres til en tjeneste
    Gitt at hjemmesykepleien i Fredrikstad sender en forespørsel til Sykehuset Østfold
    Og pasienten er i poliklinisk forløp
    Når meldingen vurderes
    Så er meldingen avvist
    Og regelen "so-vedlegg1-tjenestebasert" slår til

  Scenariomal: Kommunen adresserer til SØs tjenester i Vedlegg 1
    Gitt at hjemmesykepleien i Fredrikstad sender en forespørsel til tjenesten "<tjeneste>" ved Sykehuset Østfold
    Og pasienten er i poliklinisk forløp
    Når meldingen vurderes
    Så er meldingen <utfall>
    Og regelen "so-vedlegg1-tjenester" <slår>
    Og regelen "so-vedlegg1-tjenestebasert" slår ikke til

    Eksempler:
      | tjeneste                                              | utfall  | slår          |
      | Lungesykdommer                                        | tillatt | slår ikke til |
      | Fordøyelsessykdommer, Gastromedisin                   | tillatt | slår ikke til |
      | Psykisk helsevern for voksne, DPS Halden              | tillatt | slår ikke til |
      | BUP Askim                                             | tillatt | slår ikke til |
      | Rus- og avhengighet, Moss                             | tillatt | slår ikke til |
      | Tannhelsetjenesten                                    | avvist  | slår til      |
      | PLO Innleggelse Somatikk                              | avvist  | slår til      |

  Scenariomal: Sykehuset bruker kommunens adresser i Vedlegg 2, med forutsetningene som står der
    Gitt at tjenesten "Hjertesykdommer" ved Sykehuset Østfold sender en forespørsel til tjenesten "<adresse>" i Sarpsborg kommune
    Og pasienten er i poliklinisk forløp
    Og pasienten har vedtak om <vedtak>
    Når meldingen vurderes
    Så er meldingen <utfall>
    Og regelen "<regel>" <slår>

    Eksempler:
      | adresse                              | vedtak                         | utfall  | regel                             | slår          |
      | Sykepleietjeneste                    | "sykepleie"                    | tillatt | so-vedlegg2-sykepleietjeneste     | slår ikke til |
      | Sykepleiertjeneste                   | "hjemmesykepleie"              | tillatt | so-vedlegg2-sykepleietjeneste     | slår ikke til |
      | Sykepleietjeneste                    | "praktisk bistand"             | avvist  | so-vedlegg2-sykepleietjeneste     | slår til      |
      | Psykisk helsetjeneste                | "sykepleie"                    | tillatt | so-vedlegg2-psykisk-helsetjeneste | slår ikke til |
      | Psykisk helsetjeneste                | "psykisk helse"                | avvist  | so-vedlegg2-psykisk-helsetjeneste | slår til      |
      | Ergoterapi, PLO                      | "ergoterapi"                   | tillatt | so-vedlegg2-ergoterapi            | slår ikke til |
      | Ergoterapi, PLO                      | "sykepleie"                    | avvist  | so-vedlegg2-ergoterapi            | slår til      |
      | Fysioterapi, PLO                     | "fysioterapi"                  | tillatt | so-vedlegg2-fysioterapi           | slår ikke til |
      | Fysioterapi, PLO                     | "ergoterapi"                   | avvist  | so-vedlegg2-fysioterapi           | slår til      |
      | Saksbehandling                       | "praktisk bistand"             | tillatt | so-vedlegg2-adresser              | slår ikke til |
      | Kreftkoordinator                     | "praktisk bistand"             | tillatt | so-vedlegg2-adresser              | slår ikke til |
      | Hjemmetjenesten                      | "sykepleie"                    | avvist  | so-vedlegg2-adresser              | slår til      |

  Scenario: Uten opplysning om vedtak kan adressen Sykepleietjeneste ikke avgjøres
    Gitt at tjenesten "Hjertesykdommer" ved Sykehuset Østfold sender en forespørsel til tjenesten "Sykepleietjeneste" i Sarpsborg kommune
    Og pasienten er i poliklinisk forløp
    Når meldingen vurderes
    Så er meldingen ubestemt
    Og det mangler opplysning om "kontekst.kommunale_vedtak"

  Scenario: Pasient uten vedtak – saksbehandling foreslås
    Gitt at tjenesten "Hjertesykdommer" ved Sykehuset Østfold sender en forespørsel til tjenesten "Sykepleietjeneste" i Sarpsborg kommune
    Og pasienten er i poliklinisk forløp
    Og pasienten ikke har vedtak om kommunale tjenester
    Når meldingen vurderes
    Så er meldingen avvist
    Og begrunnelsen viser til "Vedlegg 2"
    Og det foreslås "Saksbehandling"

  Scenario: Helsestasjonen forutsetter at barnet har en aktiv forbindelse dit
    Gitt at tjenesten "Barnesykdommer" ved Sykehuset Østfold sender en forespørsel til tjenesten "Helsestasjons- og skolehelsetjeneste" i Sarpsborg kommune
    Og pasienten er i poliklinisk forløp
    Og barnet ikke har en aktiv forbindelse til helsestasjonen
    Når meldingen vurderes
    Så er meldingen avvist
    Og regelen "so-vedlegg2-helsestasjon" slår til

  Scenario: Helsestasjonen når barnet har en aktiv forbindelse dit
    Gitt at tjenesten "Barnesykdommer" ved Sykehuset Østfold sender en forespørsel til tjenesten "Helsestasjons- og skolehelsetjeneste" i Sarpsborg kommune
    Og pasienten er i poliklinisk forløp
    Og barnet har en aktiv forbindelse til helsestasjonen
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "so-vedlegg2-helsestasjon" slår ikke til

  Scenario: Jordmortjenesten forutsetter at mor har en aktiv forbindelse til kommunal jordmor
    Gitt at tjenesten "Fødselshjelp og kvinnesykdommer" ved Sykehuset Østfold sender en forespørsel til tjenesten "Jordmortjeneste" i Sarpsborg kommune
    Og pasienten er i poliklinisk forløp
    Og mor ikke har en aktiv forbindelse til kommunal jordmor
    Når meldingen vurderes
    Så er meldingen avvist
    Og regelen "so-vedlegg2-jordmor" slår til

  Scenario: Jordmor ved sykehuset avklarer smittestatus med kommunal jordmor
    Gitt at tjenesten "Fødselshjelp og kvinnesykdommer" ved Sykehuset Østfold sender en forespørsel til tjenesten "Jordmortjeneste" i Sarpsborg kommune
    Og pasienten er i poliklinisk forløp
    Og mor har en aktiv forbindelse til kommunal jordmor
    Og meldingen har teksten "Jordmortjeneste: Er det tatt prøve for MRSA i svangerskapet?"
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "so-vedlegg2-jordmor" slår ikke til

  Scenario: Dialog om en innlagt pasient går til PLO Innleggelse, ikke til fagområdet
    Gitt at hjemmesykepleien i Fredrikstad sender en forespørsel til tjenesten "Lungesykdommer" ved Sykehuset Østfold
    Og pasienten er innlagt
    Og meldingen har formålet "planlegging av utskrivning"
    Når meldingen vurderes
    Så er meldingen avvist
    Og begrunnelsen viser til "Vedlegg 3"
    Og regelen "so-vedlegg3-innlagt" slår til
    Og det foreslås "PLO Innleggelse Somatikk"
    Og det foreslås "PLO Innleggelse Psykiatri"

  Scenario: Dialog om en innlagt pasient til PLO Innleggelse Psykiatri er riktig vei
    Gitt at hjemmesykepleien i Fredrikstad sender en forespørsel til tjenesten "PLO Innleggelse Psykiatri" ved Sykehuset Østfold
    Og pasienten er innlagt
    Og meldingen har formålet "planlegging av utskrivning"
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "so-vedlegg3-innlagt" slår ikke til
    Og regelen "so-vedlegg1-tjenester" slår ikke til
    Og det gis ikke en plikt om "svarfrist"
