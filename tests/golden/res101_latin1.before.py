# -*- coding: latin-1 -*-
import requests

MESSAGE = 'café'
requests.get('http://example.com/é')
