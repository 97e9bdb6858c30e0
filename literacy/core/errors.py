"""Domain errors: what a service refuses, with a machine code and a translated message.

Views turn these into a friendly page, the API into a JSON error (409 for conflicts, 400 for
invalid input); the messages are in Japanese by default and English when the request asks.
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A refusal the user can understand and act on; never a bug."""

    code = "domain_error"
    message = _("処理できませんでした。")
    http_status = 400

    def __init__(self, message=None, *, code: str | None = None, **params):
        self.params = params
        if code:
            self.code = code
        if message is not None:
            self.message = message
        super().__init__(str(self.message))

    def __str__(self) -> str:
        text = str(self.message)
        return text % self.params if self.params else text


class ConflictError(DomainError):
    """Someone else got there first (a lost race): HTTP 409."""

    code = "conflict"
    http_status = 409


class NotFoundError(DomainError):
    code = "not_found"
    message = _("見つかりませんでした。")
    http_status = 404


class InvalidPhoneNumber(DomainError):
    code = "invalid_phone"
    message = _("電話番号が正しくありません。もう一度お確かめください。")


class SmsNotPossible(DomainError):
    code = "sms_needs_mobile"
    message = _("固定電話にはショートメールを送れません。電話でのお知らせをお選びください。")


class SlotTaken(ConflictError):
    code = "slot_taken"
    message = _("申し訳ありません。この時間はたった今ほかの方が予約されました。")


class VolunteerUnavailable(ConflictError):
    code = "volunteer_unavailable"
    message = _("この時間に対応できるボランティアがいません。")


class LearnerAlreadyBooked(ConflictError):
    code = "learner_already_booked"
    message = _("この時間にはすでにご予約があります。")


class LessonFull(ConflictError):
    code = "lesson_full"
    message = _("この教室は満席です。")


class OfferNotAvailable(ConflictError):
    code = "offer_taken"
    message = _("このご依頼はすでにほかのボランティアが引き受けました。ありがとうございました。")


class InvalidStateChange(ConflictError):
    code = "invalid_state"
    message = _("この操作は現在の状態ではできません。")


class VolunteerNotActive(ConflictError):
    """A paused or retired volunteer answering an offer sent before: nothing new is theirs to take."""

    code = "volunteer_not_active"
    message = _("活動をお休み中のため、依頼をお引き受けいただけません。")


class LessonAlreadyBegun(InvalidStateChange):
    """Its lesson has started or is over: what happened is the volunteer's report to say."""

    code = "lesson_begun"
    message = _("この相談はもう始まっているか、終わっています。取り消しや変更はできません。")


class PhoneCodeInvalid(DomainError):
    code = "phone_code_invalid"
    message = _("確認コードが正しくないか、有効期限が切れています。もう一度コードを送ってください。")


class AvailabilityOverlap(DomainError):
    code = "availability_overlap"
    message = _("同じ曜日の時間帯が重なっています。")
class TooManyAttempts(DomainError):
    """Too many wrong guesses (of a booking code, say) from one place or for one phone: wait."""

    code = "too_many_attempts"
    message = _("入力の誤りが続いたため、しばらく受け付けを止めています。時間をおいてもう一度お試しいただくか、窓口にお電話ください。")
    http_status = 429
