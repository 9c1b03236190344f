# language: no
Egenskap: Frittstående dialogmelding mellom sykehusene i Helse Vest og fastlegene
  Som samhandlingskoordinator i Helse Vest vil jeg at Dialogvakt følger retningslinjen for
  frittstående dialogmelding fra 2017, slik at behandlere i sykehuset og fastlegene kan skrive
  direkte til hverandre om en pasient, og meldinger som ikke hører hjemme der blir stoppet med
  en forklaring.

  Bakgrunn:
    Gitt at tidspunktet er mandag 2. juni 2025 kl. 10:00
    Og fastlegen bruker journalsystemet "CGM Allmenn" og har avtale med Helse Vest

  Scenario: Lungeavdelingen ber fastlegen om et prøvesvar
    Gitt at Haukeland universitetssjukehus sender en forespørsel til fastlegen i Bergen
    Og meldingen har formålet "etterspørre opplysninger"
    Og meldingen har teksten "Har pasienten tatt spirometri hos deg i vår? Vi ønsker svaret før timen 20. juni."
    Når meldingen vurderes
    Så er meldingen tillatt
    Og retningslinjen "helse-vest-2017" er brukt
    Og retningslinjen "helse-bergen-d81023" er ikke brukt
    Og retningslinjen gjelder

  Scenario: Meldingen må følges opp, og svar ventes innen 3–5 arbeidsdager
    Gitt at Haukeland universitetssjukehus sender en forespørsel til fastlegen i Bergen
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "hv2017-svartid" slår til
    Og svarfristen er fra torsdag 5. juni 2025 til tirsdag 10. juni 2025

  Scenario: Svarfristen hopper over påsken
    Gitt at tidspunktet er onsdag 16. april 2025 kl. 09:00
    Og at fastlegen i Bergen sender en forespørsel til tjenesten "Hjertesykdommer" ved Haukeland universitetssjukehus
    Når meldingen vurderes
    Så er meldingen tillatt
    Og svarfristen er fra torsdag 24. april 2025 til mandag 28. april 2025

  Scenario: Et svar får ingen ny svarfrist
    Gitt at fastlegen i Bergen sender et svar på forespørsel til Haukeland universitetssjukehus
    Og meldingen svarer på "melding-1"
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "hv2017-svartid" slår ikke til
    Og det gis ingen plikt

  Scenariomal: Alle sykehus i Helse Vest og fastlegene bruker ordningen, i begge retninger
    Gitt at <avsender> sender en forespørsel til <mottaker>
    Når meldingen vurderes
    Så er meldingen tillatt
    Og retningslinjen "helse-vest-2017" er brukt

    Eksempler:
      | avsender                       | mottaker                        |
      | Haukeland universitetssjukehus | fastlegen i Bergen              |
      | fastlegen i Bergen             | Haukeland universitetssjukehus  |
      | Stavanger universitetssjukehus | fastlegen i Bergen              |
      | Haugesund sjukehus             | fastlegen på Stord              |
      | Førde sentralsjukehus          | fastlegen i Bergen              |
      | fastlegen i Bergen             | Haraldsplass Diakonale Sykehus  |
      | Fjordklinikken                 | fastlegen i Bergen              |
      | Haukeland universitetssjukehus | legekontoret på Stord           |

  Scenariomal: Meldinger som ikke går mellom et sykehus i Helse Vest og en fastlege følger ikke denne retningslinjen
    Gitt at <avsender> sender en forespørsel til <mottaker>
    Og pasienten er i poliklinisk forløp
    Når meldingen vurderes
    Så er retningslinjen "helse-vest-2017" ikke brukt

    Eksempler:
      | avsender                       | mottaker                        |
      | Oslo universitetssykehus       | fastlegen i Bergen              |
      | Haukeland universitetssjukehus | Bergen kommune                  |
      | fastlegen i Bergen             | Bergen kommune                  |

  Scenario: Et sykehus utenfor Helse Vest som skriver til en fastlege, er ikke omfattet
    Gitt at Oslo universitetssykehus sender en forespørsel til fastlegen i Bergen
    Når meldingen vurderes
    Så er meldingen ikke aktuell

  Scenariomal: Fastlegen må ha et av de tre journalsystemene og avtale med Helse Vest
    Gitt at Haukeland universitetssjukehus sender en forespørsel til fastlegen i Bergen
    Og fastlegen bruker journalsystemet "<journalsystem>" og <avtale> med Helse Vest
    Når meldingen vurderes
    Så er meldingen <utfall>
    Og regelen "hv2017-journalsystem" <journalsystemregel>
    Og regelen "hv2017-avtale-helse-vest" <avtaleregel>

    Eksempler:
      | journalsystem    | avtale          | utfall  | journalsystemregel | avtaleregel   |
      | CGM Allmenn      | har avtale      | tillatt | slår ikke til      | slår ikke til |
      | System X         | har avtale      | tillatt | slår ikke til      | slår ikke til |
      | Infodoc Plenario | har avtale      | tillatt | slår ikke til      | slår ikke til |
      | Pridok           | har avtale      | avvist  | slår til           | slår ikke til |
      | CGM Allmenn      | har ikke avtale | avvist  | slår ikke til      | slår til      |

  # «Fastleger med journalsystemene CGM Allmenn, System X, og Infodoc plenario, og som har avtale med
  # Helse Vest, kan ta i bruk dialogmeldinger.» Setningen sier hvem som er koblet opp. Legen i sykehuset
  # vet sjelden hvilket journalsystem fastlegen har, og meldingen avgjøres på de andre reglene.
  Scenario: Uten opplysninger om fastlegens journalsystem og avtale avgjøres meldingen på de andre reglene
    Gitt at Haukeland universitetssjukehus sender en forespørsel til fastlegen i Bergen
    Og feltet "kontekst.fastlege" mangler
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "hv2017-journalsystem" slår ikke til
    Og regelen "hv2017-avtale-helse-vest" slår ikke til

  Scenario: Et svar til fastlegen trenger ikke opplysninger om fastlegens journalsystem
    Gitt at Haukeland universitetssjukehus sender et svar på forespørsel til fastlegen i Bergen
    Og feltet "kontekst.fastlege" mangler
    Når meldingen vurderes
    Så er meldingen tillatt

  Scenario: Dialogmeldingen må gjelde en navngitt pasient
    Gitt at fastlegen i Bergen sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og feltet "melding.pasient" mangler
    Når meldingen vurderes
    Så er meldingen avvist
    Og regelen "hv2017-navngitt-pasient" slår til
    Og begrunnelsen viser til "Innledning, avsnitt 4"

  Scenario: En pasient med hjelpenummer er også en navngitt pasient
    Gitt at fastlegen i Bergen sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og pasienten har H-nummer
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "hv2017-navngitt-pasient" slår ikke til

  Scenariomal: Ikke bruk dialogmelding i ØH-sammenheng
    Gitt at fastlegen i Bergen sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og meldingen har <felt> "<verdi>"
    Når meldingen vurderes
    Så er meldingen <utfall>
    Og regelen "hv2017-oyeblikkelig-hjelp" <regel>

    Eksempler:
      | felt      | verdi              | utfall  | regel         |
      | formålet  | øyeblikkelig hjelp | avvist  | slår til      |
      | hastegrad | øyeblikkelig hjelp | avvist  | slår til      |
      | hastegrad | innen 24 timer     | tillatt | slår ikke til |
      | formålet  | råd om pasienten   | tillatt | slår ikke til |

  Scenario: ØH-meldinger stoppes med forslag om å ringe
    Gitt at Haukeland universitetssjukehus sender en forespørsel til fastlegen i Bergen
    Og meldingen har hastegrad "øyeblikkelig hjelp"
    Når meldingen vurderes
    Så er meldingen avvist
    Og begrunnelsen viser til "Retningsline for bruk av dialogmelding, punkt 1"
    Og det foreslås "telefon"

  Scenario: Ord som tyder på ØH i teksten gir råd, men stopper ikke meldingen alene
    Gitt at fastlegen i Bergen sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og meldingen har teksten "Pasienten fikk akutt pustebesvær i natt. Bør vi endre medisinene?"
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "hv2017-hast-i-tekst" slår til
    Og det gis råd etter "Retningsline for bruk av dialogmelding, punkt 1"

  Scenario: En rolig tekst gir ikke råd om ØH
    Gitt at fastlegen i Bergen sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og meldingen har teksten "Pasienten har hatt det stabilt siden utskrivningen. Skal oksygenbehandlingen fortsette?"
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "hv2017-hast-i-tekst" slår ikke til

  Scenariomal: Korte og klart formulerte meldinger
    Gitt at Haukeland universitetssjukehus sender en forespørsel til fastlegen i Bergen
    Og meldingsteksten er <tegn> tegn lang
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "hv2017-korte-meldinger" <kort>
    Og regelen "hv2017-lang-tekst" <lang>

    Eksempler:
      | tegn | kort          | lang          |
      | 800  | slår ikke til | slår ikke til |
      | 1600 | slår til      | slår ikke til |
      | 3200 | slår til      | slår til      |

  Scenario: Forkortelser gir råd om å skrive klart
    Gitt at Haukeland universitetssjukehus sender en forespørsel til fastlegen i Bergen
    Og meldingen har teksten "Pas. har evt. behov for ny rtg. ca. neste uke."
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "hv2017-forkortelser" slår til
    Og det gis råd etter "Retningsline for bruk av dialogmelding, punkt 2"

  Scenario: En klart skrevet melding får ingen skriveråd
    Gitt at Haukeland universitetssjukehus sender en forespørsel til fastlegen i Bergen
    Og meldingen har teksten "Pasienten skal ha ny blodprøve om seks uker. Kan du ta den hos deg?"
    Når meldingen vurderes
    Så er meldingen tillatt
    Og det gis ikke råd etter "Retningsline for bruk av dialogmelding, punkt 2"

  Scenario: Tilleggsinformasjon til en henvisning må si tydelig om prioriteringen kan endres
    Gitt at fastlegen i Bergen sender en forespørsel til tjenesten "Hjertesykdommer" ved Haukeland universitetssjukehus
    Og meldingen viser til henvisningen fra 20. mai 2025
    Og meldingen har formålet "ettersending av opplysninger"
    Og meldingen har teksten "Ettersender resultatet av Holter-registreringen fra 28. mai, som ikke var klart da henvisningen ble sendt."
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "hv2017-tilleggsinformasjon-prioritet" slår til
    Og det gis råd som nevner "prioriteringen"

  Scenario: Tilleggsinformasjon som sier klart at prioriteringen bør endres, får ikke råd
    Gitt at fastlegen i Bergen sender en forespørsel til tjenesten "Hjertesykdommer" ved Haukeland universitetssjukehus
    Og meldingen viser til henvisningen fra 20. mai 2025
    Og meldingen har formålet "purring"
    Og meldingen har teksten "Ber om ny prioritering av henvisningen: pasienten besvimte i går og har hyppigere hjertebank."
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "hv2017-tilleggsinformasjon-prioritet" slår ikke til

  Scenariomal: Det er ikke mulig å sende vedlegg med dialogmeldingene
    Gitt at Haukeland universitetssjukehus sender en forespørsel til fastlegen i Bergen
    Og meldingen har <antall> vedlegg
    Når meldingen vurderes
    Så er meldingen <utfall>
    Og regelen "hv2017-vedlegg" <regel>

    Eksempler:
      | antall | utfall  | regel         |
      | 0      | tillatt | slår ikke til |
      | ett    | avvist  | slår til      |
      | to     | avvist  | slår til      |

  Scenariomal: Formål retningslinjen sier nei til
    Gitt at fastlegen i Bergen sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og meldingen har formålet "<formål>"
    Når meldingen vurderes
    Så er meldingen avvist
    Og regelen "<regel>" slår til
    Og begrunnelsen viser til "Retningsline for bruk av dialogmelding, punkt 5"

    Eksempler:
      | formål                   | regel                      |
      | generell veiledning      | hv2017-generell-veiledning |
      | lengre faglig utredning  | hv2017-faglig-utredning    |

  Scenariomal: Bruksområdene piloten fant nyttige går gjennom uten merknad om formålet
    Gitt at fastlegen i Bergen sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og meldingen har formålet "<formål>"
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "hv2017-generell-veiledning" slår ikke til
    Og regelen "hv2017-faglig-utredning" slår ikke til
    Og regelen "hv2017-formal-utenfor-ordningen" slår ikke til

    Eksempler:
      | formål                         |
      | ettersending av opplysninger   |
      | råd om pasienten               |
      | arbeidsdeling om pasienten     |
      | etterspørre opplysninger       |
      | purring                        |
      | avtale møte                    |
      | råd om henvisning              |
      | avklaring                      |

  Scenario: Et administrativt formål får råd om at ordningen gjelder utredning og behandling
    Gitt at fastlegen i Bergen sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og meldingen har formålet "administrativ diskusjon"
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "hv2017-formal-utenfor-ordningen" slår til

  Scenario: Før 7. mars 2017 var ordningen ikke tatt i bruk
    Gitt at tidspunktet er mandag 6. mars 2017 kl. 10:00
    Og at Haukeland universitetssjukehus sender en forespørsel til fastlegen i Bergen
    Når meldingen vurderes
    Så er meldingen tillatt
    Og det gis råd som nevner "gjelder først fra 7. mars 2017"
