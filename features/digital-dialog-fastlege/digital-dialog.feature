# language: no
Egenskap: Digital dialog mellom pasient og fastlege på helsenorge.no
  Som leder på et legekontor vil jeg at Dialogvakt følger beskrivelsen av digital dialog fastlege,
  slik at pasientene bare bruker tjenestene vi har skrudd på, timebestilling virker slik vi har valgt,
  SMS-varsler ikke sier noe sensitivt, og at vi får beskjed om hva vi må gjøre når en henvendelse
  kommer i feil kanal.

  Bakgrunn:
    Gitt at tidspunktet er mandag 2. juni 2025 kl. 10:00
    Og legekontoret har skrudd på alle tjenestene
    Og legekontoret har åpnet timer i kalenderen

  Scenario: Pasienten bestiller en ledig time i kalenderen
    Gitt at pasienten sender en timebestilling til legekontoret
    Og pasienten valgte en ledig time i kalenderen
    Når meldingen vurderes
    Så er meldingen tillatt
    Og retningslinjen "digital-dialog-fastlege" er brukt
    Og retningslinjen gjelder

  Scenariomal: Legekontoret bestemmer selv hvilke tjenester som er skrudd på
    Gitt at pasienten sender <melding> til legekontoret
    Og meldingen har teksten "Hei, jeg trenger hjelp med dette."
    Og legekontoret har skrudd på tjenestene <påskrudd>
    Når meldingen vurderes
    Så er meldingen <utfall>
    Og regelen "ddf-tjeneste-skrudd-av" <regel>

    Eksempler:
      | melding                                | påskrudd                            | utfall  | regel         |
      | en timebestilling                      | "bestill time"                      | tillatt | slår ikke til |
      | en reseptfornyelse                     | "forny resept" og "e-konsultasjon"  | tillatt | slår ikke til |
      | en e-konsultasjon                      | "bestill time" og "forny resept"    | avvist  | slår til      |
      | en henvendelse via kontakt legekontoret | "e-konsultasjon"                    | avvist  | slår til      |
      | en henvendelse via kontakt legekontoret | "kontakt legekontoret"              | tillatt | slår ikke til |

  Scenario: En tjeneste som er skrudd av, kan ikke brukes
    Gitt at legekontoret har skrudd av tjenesten "e-konsultasjon"
    Og at pasienten sender en e-konsultasjon til legekontoret
    Og meldingen har teksten "Jeg har fortsatt hoste etter tre uker. Bør jeg få ny time?"
    Når meldingen vurderes
    Så er meldingen avvist
    Og begrunnelsen viser til "Slik fungerer tjenestene for fastlegen"
    Og det foreslås "telefon"

  Scenario: Uten opplysning om hvilke tjenester legekontoret har skrudd på, kan meldingen ikke avgjøres
    Gitt at pasienten sender en reseptfornyelse til legekontoret
    Og meldingen har teksten "Levaxin 50 mikrogram."
    Og feltet "kontekst.legekontor.aktiverte_tjenester" mangler
    Når meldingen vurderes
    Så er meldingen ubestemt
    Og det mangler opplysning om "kontekst.legekontor.aktiverte_tjenester"

  Scenariomal: Legekontoret kan velge at pasientene bare sender timeønsker
    Gitt at pasienten sender en timebestilling til legekontoret
    Og meldingen har teksten "Trenger time til kontroll av blodtrykket."
    Og legekontoret <kontoret>
    Og pasienten <pasienten>
    Når meldingen vurderes
    Så er meldingen <utfall>
    Og regelen "ddf-kun-timeforesporsel" <regel>

    Eksempler:
      | kontoret                        | pasienten                               | utfall  | regel         |
      | har åpnet timer i kalenderen    | valgte en ledig time i kalenderen       | tillatt | slår ikke til |
      | har åpnet timer i kalenderen    | ber om en time uten å velge i kalenderen | tillatt | slår ikke til |
      | tar bare imot timeforespørsler  | ber om en time uten å velge i kalenderen | tillatt | slår ikke til |
      | tar bare imot timeforespørsler  | valgte en ledig time i kalenderen       | avvist  | slår til      |

  Scenario: Når pasienten ikke kan velge time i kalenderen, foreslås en timeforespørsel
    Gitt at legekontoret tar bare imot timeforespørsler
    Og at pasienten sender en timebestilling til legekontoret
    Og pasienten valgte en ledig time i kalenderen
    Når meldingen vurderes
    Så er meldingen avvist
    Og begrunnelsen nevner "bare imot timeforespørsler"
    Og det foreslås "timeforespørsel med tekst"

  Scenario: En timeforespørsel uten tekst får råd om å skrive hva timen gjelder
    Gitt at pasienten sender en timebestilling til legekontoret
    Og pasienten ber om en time uten å velge i kalenderen
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "ddf-timeforesporsel-tekst" slår til

  Scenario: En timeforespørsel med tekst får ikke råd
    Gitt at pasienten sender en timebestilling til legekontoret
    Og pasienten ber om en time uten å velge i kalenderen
    Og meldingen har teksten "Ønsker time for å fjerne sting, gjerne tidlig på dagen."
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "ddf-timeforesporsel-tekst" slår ikke til

  Scenariomal: SMS-varsel om timen sendes bare når pasienten har varsling på
    Gitt at legekontoret sender et SMS-varsel til pasienten
    Og meldingen har teksten "Du har fått time hos Fjellsiden legesenter 5. juni kl. 09.30. Se helsenorge.no."
    Og pasienten har skrudd <varsling> varsling
    Når meldingen vurderes
    Så er meldingen <utfall>
    Og regelen "ddf-sms-varsling-avslatt" <regel>

    Eksempler:
      | varsling | utfall  | regel         |
      | på       | tillatt | slår ikke til |
      | av       | avvist  | slår til      |

  Scenariomal: SMS-varselet skal ikke inneholde sensitiv informasjon
    Gitt at legekontoret sender et SMS-varsel til pasienten
    Og meldingen har teksten "Du har fått time hos Fjellsiden legesenter 5. juni kl. 09.30."
    Og meldingen er <merket> som sensitiv
    Når meldingen vurderes
    Så er meldingen <utfall>
    Og regelen "ddf-sms-sensitiv" <regel>

    Eksempler:
      | merket      | utfall  | regel         |
      | ikke merket | tillatt | slår ikke til |
      | merket      | avvist  | slår til      |

  Scenario: Helseopplysninger i teksten på SMS-varselet gir råd
    Gitt at legekontoret sender et SMS-varsel til pasienten
    Og meldingen har teksten "Du har fått time 5. juni kl. 09.30 for å gå gjennom prøvesvarene for diabetes."
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "ddf-sms-sensitiv-tekst" slår til
    Og det gis råd som nevner "sensitiv"

  Scenario: Et nøytralt SMS-varsel får ikke råd
    Gitt at legekontoret sender et SMS-varsel til pasienten
    Og meldingen har teksten "Du har fått time hos Fjellsiden legesenter 5. juni kl. 09.30."
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "ddf-sms-sensitiv-tekst" slår ikke til

  Scenario: En reseptfornyelse sier hvilke resepter pasienten vil fornye
    Gitt at pasienten sender en reseptfornyelse til legekontoret
    Og meldingen har teksten "Metformin 500 mg og Albyl-E 75 mg."
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "ddf-resepter-i-meldingen" slår ikke til

  Scenario: En reseptfornyelse uten tekst får råd om å skrive hvilke resepter det gjelder
    Gitt at pasienten sender en reseptfornyelse til legekontoret
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "ddf-resepter-i-meldingen" slår til

  Scenario: Legen må vurdere om en e-konsultasjon gir god nok informasjon
    Gitt at pasienten sender en e-konsultasjon til legekontoret
    Og meldingen har teksten "Jeg har hatt vondt i korsryggen i to uker etter flytting. Smertestillende hjelper litt. Bør jeg komme inn?"
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "ddf-e-konsultasjon-vurdering" slår til
    Og det gis en plikt som nevner "forsvarlig helsehjelp"
    Og det foreslås "ordinær time"
    Og regelen "ddf-e-konsultasjon-kort" slår ikke til

  Scenario: En svært kort e-konsultasjon gir i tillegg råd
    Gitt at pasienten sender en e-konsultasjon til legekontoret
    Og meldingen har teksten "Vondt i øret."
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "ddf-e-konsultasjon-kort" slår til

  Scenario: Når fastlegen skriver til pasienten, er det ingen ny vurderingsplikt
    Gitt at legekontoret sender en e-konsultasjon til pasienten
    Og meldingen har teksten "Blodprøvene dine er fine. Vi ses på kontrollen i august."
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "ddf-e-konsultasjon-vurdering" slår ikke til
    Og det gis ingen plikt

  # «Ved feilsending må pasienten få beskjed om at de må sende en e-konsultasjon, som vil kreve en
  # egenandel.» Det er legekontoret som har plikten; pasientens melding er kommet fram og stoppes ikke.
  Scenario: Et medisinsk spørsmål hører ikke hjemme i «kontakt legekontoret»; legekontoret må gi pasienten beskjed
    Gitt at pasienten sender en henvendelse via kontakt legekontoret til legekontoret
    Og meldingen har formålet "medisinsk spørsmål"
    Og meldingen har teksten "Jeg har hatt feber i fire dager. Hva skal jeg gjøre?"
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "ddf-kontakt-medisinsk" slår til
    Og det gis en plikt som nevner "e-konsultasjon, som vil kreve en egenandel"
    Og det foreslås "egenandel"

  Scenario: En praktisk henvendelse gir ingen plikt
    Gitt at pasienten sender en henvendelse via kontakt legekontoret til legekontoret
    Og meldingen har formålet "praktisk henvendelse"
    Og meldingen har teksten "Har dere åpent i romjulen?"
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "ddf-kontakt-medisinsk" slår ikke til
    Og regelen "ddf-kontakt-medisinsk-tekst" slår ikke til
    Og det gis ingen plikt

  Scenario: Tekst som ligner et medisinsk spørsmål gir bare råd
    Gitt at pasienten sender en henvendelse via kontakt legekontoret til legekontoret
    Og meldingen har teksten "Jeg har fått utslett og kløe etter den nye medisinen. Er det farlig?"
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "ddf-kontakt-medisinsk-tekst" slår til
    Og regelen "ddf-kontakt-medisinsk" slår ikke til
    Og det gis råd som nevner "egenandel"

  Scenario: Digital dialog er bare mellom pasient og fastlege
    Gitt at Haukeland universitetssjukehus sender en e-konsultasjon til fastlegen i Bergen
    Når meldingen vurderes
    Så er meldingen avvist
    Og regelen "ddf-parter" slår til

  Scenario: Fastlegen kan også starte dialogen
    Gitt at fastlegen i Bergen sender en e-konsultasjon til pasienten
    Og meldingen har teksten "Hei! Husk å ta ny blodprøve før kontrollen."
    Når meldingen vurderes
    Så er meldingen tillatt
    Og regelen "ddf-parter" slår ikke til

  Scenario: En dialogmelding fra pasienten er ikke en av tjenestene
    Gitt at pasienten sender en forespørsel til legekontoret
    Når meldingen vurderes
    Så er meldingen ikke aktuell
