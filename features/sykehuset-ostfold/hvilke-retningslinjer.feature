# language: no
Egenskap: Hvilke av Sykehuset Østfolds retningslinjer gjelder for en melding
  Sykehuset Østfold har to tekster: retningslinjen for dialogmeldinger med tjenestene i kommunene
  (pasienter i poliklinisk forløp eller nylig utskrevet), og siden om digital samhandling
  (pleie- og omsorgsmeldinger, avvik og dialog under innleggelse). Som samhandlingskoordinator
  vil jeg at Dialogvakt velger riktig retningslinje selv, og at de to aldri sier imot hverandre.

  Bakgrunn:
    Gitt at tidspunktet er tirsdag 3. juni 2025 kl. 11:00

  Scenario: Dialog om en pasient i poliklinisk forløp følger bare retningslinjen for dialogmeldinger
    Gitt at hjemmesykepleien i Fredrikstad sender en forespørsel til tjenesten "Lungesykdommer" ved Sykehuset Østfold
    Og pasienten er i poliklinisk forløp
    Når meldingen vurderes
    Så er meldingen tillatt
    Og retningslinjen "sykehuset-ostfold" er brukt
    Og retningslinjen "sykehuset-ostfold-plo" er ikke brukt

  Scenario: En pleie- og omsorgsmelding følger bare siden om digital samhandling
    Gitt at PLO-mottaket ved Sykehuset Østfold sender en helseopplysning til hjemmesykepleien i Fredrikstad
    Og pasienten er innlagt
    Når meldingen vurderes
    Så er meldingen tillatt
    Og retningslinjen "sykehuset-ostfold-plo" er brukt
    Og retningslinjen "sykehuset-ostfold" er ikke brukt
    Og det gis ikke en plikt om "tidligmelding"

  Scenario: Dialog om en innlagt pasient til PLO Innleggelse følger begge, og begge sier ja
    Gitt at hjemmesykepleien i Fredrikstad sender en forespørsel til tjenesten "PLO Innleggelse Somatikk" ved Sykehuset Østfold
    Og pasienten er innlagt
    Og meldingen har formålet "planlegging av utskrivning"
    Når meldingen vurderes
    Så er meldingen tillatt
    Og retningslinjen "sykehuset-ostfold" gir utfallet "tillatt"
    Og retningslinjen "sykehuset-ostfold-plo" gir utfallet "tillatt"

  Scenario: Dialog om en innlagt pasient til fagområdet stoppes av begge, med samme forslag
    Gitt at hjemmesykepleien i Fredrikstad sender en forespørsel til tjenesten "Lungesykdommer" ved Sykehuset Østfold
    Og pasienten er innlagt
    Og meldingen har formålet "planlegging av utskrivning"
    Når meldingen vurderes
    Så er meldingen avvist
    Og retningslinjen "sykehuset-ostfold" gir utfallet "avvist"
    Og retningslinjen "sykehuset-ostfold-plo" gir utfallet "avvist"
    Og det foreslås "PLO Innleggelse Somatikk"

  Scenario: Sykehuset skriver fra PLO Innleggelse til hjemmesykepleien om en innlagt pasient
    Gitt at PLO-mottaket ved Sykehuset Østfold sender en forespørsel til hjemmesykepleien i Fredrikstad
    Og pasienten er innlagt
    Og meldingen har formålet "planlegging av utskrivning"
    Når meldingen vurderes
    Så er meldingen tillatt
    Og retningslinjen "sykehuset-ostfold" gir utfallet "tillatt"
    Og retningslinjen "sykehuset-ostfold-plo" gir utfallet "tillatt"

  Scenario: Når det ikke er kjent om pasienten er innlagt, venter begge på opplysningen
    Gitt at hjemmesykepleien i Fredrikstad sender en forespørsel til tjenesten "PLO Innleggelse Somatikk" ved Sykehuset Østfold
    Og meldingen har formålet "planlegging av utskrivning"
    Når meldingen vurderes
    Så er meldingen ubestemt
    Og retningslinjen "sykehuset-ostfold" gir utfallet "ubestemt"
    Og retningslinjen "sykehuset-ostfold-plo" gir utfallet "ubestemt"
    Og det mangler opplysning om "kontekst.pasientstatus"

  Scenario: Når det ikke er kjent om pasienten er innlagt og meldingen går til fagområdet
    Gitt at hjemmesykepleien i Fredrikstad sender en forespørsel til tjenesten "Lungesykdommer" ved Sykehuset Østfold
    Når meldingen vurderes
    Så er meldingen ubestemt
    Og det mangler opplysning om "kontekst.pasientstatus"

  Scenario: Vestby er i opptaksområdet
    Gitt at tjenesten "Sykepleietjeneste" i Vestby kommune sender en forespørsel til tjenesten "Lungesykdommer" ved Sykehuset Østfold
    Og pasienten er i poliklinisk forløp
    Når meldingen vurderes
    Så er meldingen tillatt
    Og retningslinjen "sykehuset-ostfold" er brukt

  Scenariomal: Kommunene utenfor Østfold som SØ utveksler meldinger med, følger retningslinjen for dialogmeldinger
    Gitt at tjenesten "Sykepleietjeneste" i <kommune> sender en forespørsel til tjenesten "Lungesykdommer" ved Sykehuset Østfold
    Og pasienten er i poliklinisk forløp
    Når meldingen vurderes
    Så er meldingen tillatt
    Og retningslinjen "sykehuset-ostfold" er brukt
    Og retningslinjen "sykehuset-ostfold-plo" er ikke brukt

    Eksempler:
      | kommune                |
      | Ås kommune             |
      | Aurskog-Høland kommune |
      | Nordre Follo kommune   |

  Scenario: En kommune SØ ikke har elektronisk meldingsutveksling med, får ikke dialogmelding
    Gitt at tjenesten "Sykepleietjeneste" i Oslo kommune sender en forespørsel til tjenesten "Lungesykdommer" ved Sykehuset Østfold
    Og pasienten er i poliklinisk forløp
    Når meldingen vurderes
    Så er meldingen avvist
    Og retningslinjen "sykehuset-ostfold" er ikke brukt
    Og retningslinjen "sykehuset-ostfold-plo" er brukt

  Scenario: Helse Bergen og en kommune følger ikke SØs retningslinjer
    Gitt at hjemmesykepleien i Bergen sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og pasienten er i poliklinisk forløp
    Når meldingen vurderes
    Så er retningslinjen "helse-bergen-d81023" brukt
    Og retningslinjen "sykehuset-ostfold" er ikke brukt
    Og retningslinjen "sykehuset-ostfold-plo" er ikke brukt
