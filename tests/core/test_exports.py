from core.exports import content_disposition, display_width


def test_a_chinese_character_takes_two_cells_and_the_widest_line_counts():
    assert display_width("安全") == 4
    assert display_width("ab安") == 4
    assert display_width("短\n更长一些的行") == 12
    assert display_width("") == 0
    assert display_width(12.5) == 4


def test_an_ascii_file_name_is_quoted_and_a_chinese_one_goes_in_filename_star():
    assert content_disposition("stats-2024-07.xlsx") == 'attachment; filename="stats-2024-07.xlsx"'
    assert content_disposition('a"b.pdf', inline=True) == 'inline; filename="a\\"b.pdf"'
    assert content_disposition("化工厂-导入.xlsx") == (
        "attachment; filename=\"___-__.xlsx\"; filename*=UTF-8''%E5%8C%96%E5%B7%A5%E5%8E%82-%E5%AF%BC%E5%85%A5.xlsx"
    )
