from common import jakamo_face

from . import api

app_name = "gateway_api"
urlpatterns = jakamo_face.urlpatterns(api.BACKEND)
