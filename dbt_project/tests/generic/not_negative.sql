{#-
    Amounts never go below zero: a sale is never negative, a refund is a record of its own.
    Returns the offending rows whole, so a failure's sample shows what else they hold.
-#}
{% test not_negative(model, column_name) %}

{{ config(meta={'description': 'Amounts are never negative: a refund is a record of its own.'}) }}

select *
from {{ model }}
where {{ column_name }} < 0

{% endtest %}
