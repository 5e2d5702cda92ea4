"""A one-line explanation of each dispute category, shown on the first intake step."""

from flask_babel import lazy_gettext as _l

from ..core.enums import Category

EXPLANATIONS = {
    Category.NEIGHBOURHOOD: _l("Noise, water leaks, parking, walls and passages between neighbours."),
    Category.FAMILY: _l("Marriage, support of parents or children, inheritance within the family."),
    Category.LABOUR: _l("Unpaid wages, dismissal, work injury, social insurance."),
    Category.PROPERTY_MANAGEMENT: _l("Property fees, repairs and services of the management company."),
    Category.TENANCY: _l("Renting a home or shop: deposit, rent, repairs, ending the lease."),
    Category.CONSUMER: _l("Goods or services bought in a shop: faults, refunds, false claims."),
    Category.TRAFFIC: _l("Road accidents: medical costs, lost income, damage to vehicles."),
    Category.MEDICAL: _l("Treatment in a hospital or clinic that went wrong."),
    Category.CONSTRUCTION: _l("Building or decoration work: quality, delays, payment."),
    Category.LAND_CONTRACT: _l("Contracted rural land: use, transfer, boundaries."),
    Category.PRIVATE_LENDING: _l("Money lent between people or to a small business and not repaid."),
    Category.ECOMMERCE: _l("Shopping online: delivery, returns, platform and seller disputes."),
    Category.OTHER: _l("Any other civil dispute."),
}
