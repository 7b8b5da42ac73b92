"""The GraphQL operations the demo's seed sends, as a portal client would."""

SHIPMENT = """
query DemoShipment($reference: String!) {
  shipmentByReference(reference: $reference) {
    id reference status
    vesselCall { id callReference terminal eta }
    containers { number sizeType status }
    documents { kind }
  }
}"""
CALLS = """
query DemoCalls {
  vesselCalls(first: 100) {
    edges { node {
      id callReference terminal voyage status eta
      vessel { name imo }
    } }
  }
}"""
CREATE = """
mutation Create($input: CreateShipmentInput!) {
  createShipment(input: $input) {
    shipment { id reference status } userErrors { field code message }
  }
}"""
CHECK = """
mutation Check($id: ID!) {
  checkShipmentDocuments(input: {shipmentId: $id}) {
    report { blocked } userErrors { field code message }
  }
}"""
SUBMIT = """
mutation Submit($id: ID!) {
  submitShipment(input: {shipmentId: $id}) {
    shipment { status } userErrors { field code message }
  }
}"""
VERIFY = """
mutation Verify($id: ID!) {
  verifyShipment(input: {shipmentId: $id, decision: APPROVE, reasons: []}) {
    shipment { status } userErrors { field code message }
  }
}"""
PAY = """
mutation Pay($input: StartPaymentInput!) {
  startPayment(input: $input) {
    payment { id status } userErrors { field code message }
  }
}"""
INVOICES = """
query DemoInvoice($id: ID!) {
  invoices(filter: {shipmentId: $id}, first: 1) {
    edges { node { id status balanceDue { amount currency } } }
  }
}"""
FINALIZE = """
mutation Finalize($id: ID!) {
  finalizeInvoice(input: {shipmentId: $id}) {
    invoice { id status balanceDue { amount currency } }
    userErrors { field code message }
  }
}"""
CONFIGURE_SLOTS = """
mutation Slots($input: ConfigureSlotsInput!) {
  configureSlots(input: $input) { slots { id } userErrors { field code message } }
}"""
SLOTS = """
query DemoSlots($terminal: String!, $from: DateTime!, $to: DateTime!) {
  slots(terminal: $terminal, from: $from, to: $to) { id startsAt endsAt free }
}"""
BOOK = """
mutation Book($input: BookPickupInput!) {
  bookPickup(input: $input) { booking { id } userErrors { field code message } }
}"""
GATE_PASS = """
mutation Pass($input: RequestGatePassInput!) {
  requestGatePass(input: $input) {
    gatePass { token truckPlate } userErrors { field code message }
  }
}"""
GATE_EVENT = """
mutation Gate($input: RecordGateEventInput!) {
  recordGateEvent(input: $input) {
    gatePass { status } userErrors { field code message }
  }
}"""
