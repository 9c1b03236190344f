# language: no
Egenskap: Mottatte dialogmeldinger lest fra XML
  Meldingen leses slik record-systemet sendte den; det XML-en ikke sier (partenes kategori,
  pasientstatus) oppgis med egne steg. Meldingen vurderes ved tidspunktet i XML-en.

  Scenario: En forespørsel fra hjemmesykepleien om en nylig utskrevet pasient går gjennom
    Gitt at meldingen er XML-filen "examples/xml/d81023-x1-foresporsel-nylig-utskrevet.xml"
    Og avsenderen er en kommune og mottakeren et sykehus
    Og meldingen har formålet avklaring
    Og pasienten ble utskrevet 28. mai 2025
    Og meldingen viser til epikrisen fra 28. mai 2025
    Når meldingen vurderes etter "helse-bergen-d81023"
    Så er meldingen tillatt
    Og det gis ingen råd

  Scenario: Vedlegg og en kopimottaker i XML-en avvises
    Gitt at meldingen er XML-filen "examples/xml/d81023-x3-vedlegg-og-kopimottaker.xml"
    Og avsenderen er en kommune og mottakeren et sykehus
    Og at feltet "kontekst.pasientstatus" er "poliklinisk"
    Når meldingen vurderes etter "helse-bergen-d81023"
    Så er meldingen avvist
    Og regelen "d81023-4.5-vedlegg" slår til
    Og begrunnelsen viser til § 4.6

  Scenario: Emnet står i meldingen
    Gitt at tidspunktet er 2025-06-02 10:00
    Og at Bergen kommune sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og meldingen har emnet "Oksygen etter utskrivning"
    Og meldingen har teksten "Lungesykdommer: Skal oksygenet brukes om natten?"
    Og pasienten er utskrevet
    Og pasienten ble utskrevet for 5 dager siden
    Når meldingen vurderes
    Så er avgjørelsen tillatt
